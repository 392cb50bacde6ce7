; Windows (NSIS) installer hooks: `wdconnect` on the user's PATH, and what "Delete the application
; data" removes beyond Tauri's own $APPDATA\<identifier> and $LOCALAPPDATA\<identifier> (WebView2).
;
; PATH: a copy of the installed wdconnect.exe in %LOCALAPPDATA%\Microsoft\WindowsApps, a folder
; Windows 10 and 11 put on every user's PATH. A copy of the real program, not a .cmd that calls
; it: cmd.exe would parse the arguments a second time (%, ^, &, | and quotes in a connection name
; or a path would change meaning or run commands). Each install and update copies it afresh, so it
; is always the installed version; the uninstall removes it. Editing the PATH variable from NSIS
; risks truncating it; this touches nothing else.
;
; Unticked (the default), the uninstaller keeps the user's connections: their profiles in
; %APPDATA%\workday-connector and their client secrets and refresh tokens in Credential Manager,
; so a reinstall or an upgrade reconnects without a new sign-in. Ticked, it first asks the
; installed wdconnect to remove every connection with its secrets (Credential Manager entries are
; not files: deleting folders would leave them behind), then deletes the app's folders, activity-log
; stores included. Updates never delete anything.
;
; Every path below is built from an environment variable. An empty or relative one would turn
; "$1\workday-connector" into "\workday-connector" (the drive root) or a folder relative to the
; installer's working directory, so nothing is created or deleted unless the variable is an
; absolute path (WDC_ABSOLUTE), and a folder is deleted only if it holds a file the app writes
; (WDC_REMOVE_APP_FOLDER).

; Sets RESULT to 1 when PATH is absolute ("C:\..." or "\\server\share\..."), else to 0.
!macro WDC_ABSOLUTE PATH RESULT
  Push $R8
  Push $R9
  StrCpy $R8 "${PATH}" 2 1
  StrCpy $R9 "${PATH}" 2
  ${If} $R8 == ":\"
  ${OrIf} $R9 == "\\"
    Pop $R9
    Pop $R8
    StrCpy ${RESULT} 1
  ${Else}
    Pop $R9
    Pop $R8
    StrCpy ${RESULT} 0
  ${EndIf}
!macroend

; Deletes BASE\workday-connector only when BASE is absolute and the folder holds the app's own
; files: its connections file, its state file or its logs folder.
!macro WDC_REMOVE_APP_FOLDER BASE
  Push $R7
  !insertmacro WDC_ABSOLUTE "${BASE}" $R7
  ${If} $R7 <> 1
    DetailPrint "Not deleting ${BASE}\workday-connector: the folder variable is empty or not absolute"
  ${ElseIf} ${FileExists} "${BASE}\workday-connector\connections.json"
  ${OrIf} ${FileExists} "${BASE}\workday-connector\state.json"
  ${OrIf} ${FileExists} "${BASE}\workday-connector\logs\*.*"
    RMDir /r "${BASE}\workday-connector"
  ${Else}
    DetailPrint "Not deleting ${BASE}\workday-connector: it holds none of Workday Connector's files"
  ${EndIf}
  Pop $R7
!macroend

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
    !insertmacro WDC_REMOVE_APP_FOLDER "$1"
    !insertmacro WDC_REMOVE_APP_FOLDER "$2"
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTINSTALL
  ReadEnvStr $1 LOCALAPPDATA
  !insertmacro WDC_ABSOLUTE "$1" $0
  ${If} $0 = 1
    CreateDirectory "$1\Microsoft\WindowsApps"
    ; The .cmd of earlier versions, which went through cmd.exe.
    Delete "$1\Microsoft\WindowsApps\wdconnect.cmd"
    CopyFiles /SILENT "$INSTDIR\wdconnect.exe" "$1\Microsoft\WindowsApps\wdconnect.exe"
  ${Else}
    DetailPrint "LOCALAPPDATA is not set: wdconnect is not on PATH; run $INSTDIR\wdconnect.exe"
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  ${If} $UpdateMode <> 1
    ReadEnvStr $1 LOCALAPPDATA
    !insertmacro WDC_ABSOLUTE "$1" $0
    ${If} $0 = 1
      Delete "$1\Microsoft\WindowsApps\wdconnect.exe"
      Delete "$1\Microsoft\WindowsApps\wdconnect.cmd"
    ${EndIf}
  ${EndIf}
!macroend
