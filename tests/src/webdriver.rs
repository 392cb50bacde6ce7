//! A small W3C WebDriver client over reqwest. It sends exactly the capabilities it is given:
//! `tauri-driver` + WebKitWebDriver want `tauri:options` alone (general-purpose clients add
//! browser-specific capabilities and BiDi requests that this pair does not expect).

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
}

#[derive(Debug, Clone)]
pub struct Element {
    id: String,
}

impl Session {
    /// Creates a session, retrying once: a dropped first request has been seen now and then.
    pub async fn create(driver_url: &str, capabilities: Value) -> Result<Session, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let mut last = String::new();
        for _ in 0..2 {
            match http
                .post(format!("{driver_url}/session"))
                .json(&body)
                .send()
                .await
            {
                Ok(resp) => {
                    let value: Value = resp.json().await.map_err(|e| e.to_string())?;
                    if let Some(id) = value["value"]["sessionId"].as_str() {
                        return Ok(Session {
                            http,
                            base: format!("{driver_url}/session/{id}"),
                        });
                    }
                    last = value.to_string();
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Err(format!("could not create a WebDriver session: {last}"))
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let value: Value = resp.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "WebDriver {path} answered {status}: {}",
                value["value"]
            ));
        }
        Ok(value["value"].clone())
    }

    pub async fn find(&self, css: &str) -> Result<Element, String> {
        let v = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        let id = v[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| format!("no element id in {v}"))?;
        Ok(Element { id: id.to_string() })
    }

    pub async fn text(&self, element: &Element) -> Result<String, String> {
        let v = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.id),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub async fn click(&self, element: &Element) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.id),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    pub async fn title(&self) -> Result<String, String> {
        Ok(self
            .command(reqwest::Method::GET, "/title", None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Waits until the element matching `css` exists and its text satisfies `check`; returns
    /// that text. Polls, since the UI renders asynchronously.
    pub async fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("(no element)");
        loop {
            if let Ok(el) = self.find(css).await
                && let Ok(text) = self.text(&el).await
            {
                if check(&text) {
                    return Ok(text);
                }
                last = text;
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {css}; last text: {last:?}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Saves a PNG of the window. Call it after waiting for the change it should show: a shot
    /// right after a DOM change can show the previous paint.
    pub async fn screenshot(&self, path: &Path) -> Result<(), String> {
        let v = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    pub async fn delete(self) -> Result<(), String> {
        self.http
            .delete(&self.base)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
