//! One activity event as the detections see it: the fields the rules read, by Workday's names.

/// One activity event as the rules see it, under Workday's field names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The store's key of the event (the alert keeps it).
    pub id: i64,
    /// requestTime, ms since the epoch.
    pub request_time: Option<i64>,
    pub system_account: Option<String>,
    pub ip_address: Option<String>,
    pub task_display_name: Option<String>,
    pub device_type: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
    pub activity_action: Option<String>,
    /// A REST API call (never interactive, whatever user agent Workday logged for it).
    pub api_call: bool,
}

impl Event {
    /// The value of a Workday field by its name (`systemAccount`, `ipAddress`, ...).
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "systemAccount" => self.system_account.as_deref(),
            "ipAddress" => self.ip_address.as_deref(),
            "taskDisplayName" => self.task_display_name.as_deref(),
            "deviceType" => self.device_type.as_deref(),
            "userAgent" => self.user_agent.as_deref(),
            "sessionId" => self.session_id.as_deref(),
            "activityAction" => self.activity_action.as_deref(),
            _ => None,
        }
    }
}
