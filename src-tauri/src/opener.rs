//! Opens the sign-in page in the system browser through Tauri's opener plugin, called from Rust:
//! the webview itself has no opener or shell permission.

use connector::browser::Browser;
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;

#[derive(Debug)]
pub struct OpenerBrowser<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> OpenerBrowser<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }
}

impl<R: Runtime> Browser for OpenerBrowser<R> {
    fn open(&self, url: &str) -> Result<(), String> {
        self.app
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    }
}
