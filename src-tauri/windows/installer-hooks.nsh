; Windows (NSIS) installer hooks: `wdconnect` on the user's PATH, and what "Delete the application
; data" removes beyond Tauri's own $APPDATA\<identifier> and $LOCALAPPDATA\<identifier> (WebView2).
;
; PATH: a one-line wdconnect.cmd in %LOCALAPPDATA%\Microsoft\WindowsApps, a folder Windows 10 and
; 11 put on every user's PATH, runs the installed wdconnect.exe. Editing the PATH variable from
; NSIS risks truncating it; this touches nothing else and goes away with the uninstall.
;
; Unticked (the default), the uninstaller keeps the user's connections: their profiles in
; %APPDATA%\workday-connector and their client secrets and refresh tokens in Credential Manager,
; so a reinstall or an upgrade reconnects without a new sign-in. Ticked, it first asks the
; installed wdconnect to remove every connection with its secrets (Credential Manager entries are
; not files: deleting folders would leave them behind), then deletes the folders, activity-log
; stores included. Updates never delete anything.

!macro NSIS_HOOK_PREUNINSTALL
  ${If} $DeleteAppDataCheckboxState = 1
  ${AndIf} $UpdateMode <> 1
    ; The signed-in user's folders and credential store, also in a per-machine uninstall. Read
    ; from the environment: changing the shell context here would move the template's own
    ; shortcut clean-up to the wrong folders.
    ReadEnvStr $1 APPDATA
    ReadEnvStr $2 LOCALAPPDATA
    ${If} ${FileExists} "$INSTDIR\wdconnect.exe"
      DetailPrint "Removing saved connections and their secrets from Credential Manager"
      nsExec::ExecToLog '"$INSTDIR\wdconnect.exe" remove --all'
      Pop $0
      ${If} $0 <> 0
        DetailPrint "wdconnect remove --all exited with $0; secrets may remain in Credential Manager (service workday-connector)"
      ${EndIf}
    ${EndIf}
    RMDir /r "$1\workday-connector"
    RMDir /r "$2\workday-connector"
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTINSTALL
  ReadEnvStr $1 LOCALAPPDATA
  CreateDirectory "$1\Microsoft\WindowsApps"
  FileOpen $0 "$1\Microsoft\WindowsApps\wdconnect.cmd" w
  FileWrite $0 '@"$INSTDIR\wdconnect.exe" %*$\r$\n'
  FileClose $0
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  ${If} $UpdateMode <> 1
    ReadEnvStr $1 LOCALAPPDATA
    Delete "$1\Microsoft\WindowsApps\wdconnect.cmd"
  ${EndIf}
!macroend
