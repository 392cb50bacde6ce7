//! The tenant's directory: people (accounts and their worker records) and the catalogue of
//! Workday tasks they perform, all derived from the seed.

use crate::rng::{hash3, wid};

/// The account that signs in on the consent page (and whose security the switches describe).
pub const CONSENT_ACCOUNT: &str = "lmcneil";

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kara",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Carlos", "Dana", "Emeka", "Fatima",
    "Gustav", "Hana", "Ivan", "Julia", "Kenji", "Lucia", "Marco", "Nadia",
];
const LAST: &[&str] = &[
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quispe", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Moreau", "Kowalski", "Silva", "Novak",
];
const TITLES: &[&str] = &[
    "HR Partner",
    "Payroll Specialist",
    "Software Engineer",
    "Sales Manager",
    "Recruiter",
    "Accountant",
    "Security Administrator",
    "Benefits Analyst",
    "Support Engineer",
    "Director, Operations",
];

/// One person: an account that signs in and the worker record behind it.
#[derive(Debug, Clone)]
pub struct Person {
    pub username: String,
    pub name: String,
    pub title: &'static str,
    pub wid: String,
    /// Office IP used from a desktop (TEST-NET addresses, never real ones, unless the
    /// directory places people in real countries).
    pub office_ip: String,
    /// The /16 the person's phone and home addresses come from: the benchmarking range, or a
    /// mobile carrier's range in the person's country.
    pub roaming_prefix: &'static str,
}

/// Offices and mobile carriers in real countries (for `real_addresses`), weighted by head
/// count: (country, office /16, mobile /16, weight). Every address of each /16 is placed in its
/// country by the shipped IPtoASN database (checked in the detect crate's tests).
pub const REAL_SITES: &[(&str, &str, &str, u64)] = &[
    ("US", "12.0", "174.192", 40),
    ("GB", "86.0", "31.94", 20),
    ("DE", "80.128", "80.187", 15),
    ("IN", "122.160", "49.32", 15),
    ("CA", "142.112", "70.24", 10),
];

/// What a task acts on, which decides its `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    None,
    /// Any worker in the tenant.
    Worker,
    /// The acting user's own worker record.
    SelfWorker,
    /// A tenant setup object.
    TenantSetup(&'static str),
    /// A pay slip of the acting user.
    PaySlip,
    /// A report definition.
    Report,
}

/// A Workday task as it appears in the activity log.
#[derive(Debug, Clone, Copy)]
pub struct Task {
    pub name: &'static str,
    pub action: &'static str,
    /// Relative frequency.
    pub weight: u32,
    pub target: TargetKind,
}

/// Realistic Workday task names; actions follow what the task does. A few tasks carry an action
/// other than READ/WRITE/OTHER because the log allows it.
pub const TASKS: &[Task] = &[
    Task {
        name: "Worker Profile",
        action: "READ",
        weight: 60,
        target: TargetKind::Worker,
    },
    Task {
        name: "Find Workers",
        action: "READ",
        weight: 25,
        target: TargetKind::None,
    },
    Task {
        name: "My Tasks",
        action: "READ",
        weight: 40,
        target: TargetKind::None,
    },
    Task {
        name: "Home",
        action: "OTHER",
        weight: 50,
        target: TargetKind::None,
    },
    Task {
        name: "Search",
        action: "READ",
        weight: 30,
        target: TargetKind::None,
    },
    Task {
        name: "Org Chart",
        action: "READ",
        weight: 12,
        target: TargetKind::Worker,
    },
    Task {
        name: "View Pay Slip",
        action: "READ",
        weight: 15,
        target: TargetKind::PaySlip,
    },
    Task {
        name: "Request Time Off",
        action: "WRITE",
        weight: 10,
        target: TargetKind::SelfWorker,
    },
    Task {
        name: "View Team Time Off",
        action: "READ",
        weight: 6,
        target: TargetKind::None,
    },
    Task {
        name: "Submit Time",
        action: "WRITE",
        weight: 12,
        target: TargetKind::SelfWorker,
    },
    Task {
        name: "Create Expense Report",
        action: "WRITE",
        weight: 6,
        target: TargetKind::SelfWorker,
    },
    Task {
        name: "View Benefit Elections",
        action: "READ",
        weight: 5,
        target: TargetKind::SelfWorker,
    },
    Task {
        name: "Change Benefits",
        action: "WRITE",
        weight: 2,
        target: TargetKind::SelfWorker,
    },
    Task {
        name: "Change Job",
        action: "WRITE",
        weight: 4,
        target: TargetKind::Worker,
    },
    Task {
        name: "Hire Employee",
        action: "WRITE",
        weight: 2,
        target: TargetKind::Worker,
    },
    Task {
        name: "Terminate Employee",
        action: "WRITE",
        weight: 1,
        target: TargetKind::Worker,
    },
    Task {
        name: "Edit Worker Additional Data",
        action: "WRITE",
        weight: 3,
        target: TargetKind::Worker,
    },
    Task {
        name: "Delete Worker Document",
        action: "DELETE",
        weight: 1,
        target: TargetKind::Worker,
    },
    Task {
        name: "Run Report: Workers by Organization",
        action: "READ",
        weight: 4,
        target: TargetKind::Report,
    },
    Task {
        name: "Export to Excel",
        action: "EXPORT",
        weight: 2,
        target: TargetKind::Report,
    },
    Task {
        name: "View Security Groups for User",
        action: "READ",
        weight: 2,
        target: TargetKind::Worker,
    },
    Task {
        name: "Maintain Permissions for Security Group",
        action: "WRITE",
        weight: 1,
        target: TargetKind::TenantSetup("Security Group: HR Administrators"),
    },
    Task {
        name: "Activate Pending Security Policy Changes",
        action: "WRITE",
        weight: 1,
        target: TargetKind::TenantSetup("Security Policy Changes"),
    },
    Task {
        name: "Edit Tenant Setup - Security",
        action: "WRITE",
        weight: 1,
        target: TargetKind::TenantSetup("Tenant Setup - Security"),
    },
    Task {
        name: "Edit Tenant Setup - System",
        action: "WRITE",
        weight: 1,
        target: TargetKind::TenantSetup("Tenant Setup - System"),
    },
    Task {
        name: "View API Clients",
        action: "READ",
        weight: 1,
        target: TargetKind::None,
    },
];

/// The task id of a task: shared by every event of that task (a Workday-wide WID, so it does
/// not depend on the seed).
pub fn task_id(index: usize) -> String {
    wid(hash3(0x7a5c, index as u64, 0))
}

/// Everything derived from the seed about who is in the tenant.
#[derive(Debug, Clone)]
pub struct Directory {
    pub people: Vec<Person>,
    pub task_weight_total: u32,
}

impl Directory {
    /// `real_addresses`: people work from offices in real countries ([`REAL_SITES`]) and their
    /// phones use carriers of the same country, instead of documentation ranges.
    pub fn new(seed: u64, users: u32, real_addresses: bool) -> Directory {
        let users = users.max(1) as usize;
        let mut people = Vec::with_capacity(users);
        let mut taken = std::collections::HashSet::new();
        for i in 0..users {
            let (first, last) = if i == 0 {
                ("Logan", "McNeil")
            } else {
                let h = hash3(seed, 0x9e09, i as u64);
                (
                    FIRST[(h % FIRST.len() as u64) as usize],
                    LAST[((h >> 20) % LAST.len() as u64) as usize],
                )
            };
            let base = format!("{}{}", first[..1].to_lowercase(), last.to_lowercase());
            let mut username = base.clone();
            let mut n = 2;
            while !taken.insert(username.clone()) {
                username = format!("{base}{n}");
                n += 1;
            }
            let h = hash3(seed, 0x1d, i as u64);
            let (office_ip, roaming_prefix) = if real_addresses {
                let total: u64 = REAL_SITES.iter().map(|s| s.3).sum();
                let mut x = (h >> 40) % total;
                let site = REAL_SITES
                    .iter()
                    .find(|s| {
                        let hit = x < s.3;
                        x = x.saturating_sub(s.3);
                        hit
                    })
                    .expect("weights sum to the total");
                // A few offices per country, one address (a NAT) per person.
                let office = (h >> 24) % 4;
                let ip = format!("{}.{office}.{}", site.1, 1 + (h >> 16) % 254);
                (ip, site.2)
            } else {
                let net = ["192.0.2", "198.51.100", "203.0.113"][(h % 3) as usize];
                (format!("{net}.{}", 1 + (h >> 16) % 254), "198.18")
            };
            people.push(Person {
                username,
                name: format!("{first} {last}"),
                title: if i == 0 {
                    "Security Administrator"
                } else {
                    TITLES[((h >> 8) % TITLES.len() as u64) as usize]
                },
                wid: wid(hash3(seed, 0x3d1d, i as u64)),
                office_ip,
                roaming_prefix,
            });
        }
        Directory {
            people,
            task_weight_total: TASKS.iter().map(|t| t.weight).sum(),
        }
    }

    /// Picks a task index from a uniform 32-bit draw, by weight.
    pub fn pick_task(&self, draw: u32) -> usize {
        let mut x = draw % self.task_weight_total;
        for (i, t) in TASKS.iter().enumerate() {
            if x < t.weight {
                return i;
            }
            x -= t.weight;
        }
        0
    }
}
