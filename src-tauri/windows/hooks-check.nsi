; A small installer around installer-hooks.nsh, included the way Tauri's NSIS template includes
; it (the same variables, headers and hook points), for the checks in scripts/lib.sh: compiled
; on Linux so a syntax error shows before the release build, and, given -DWDCONNECT=wdconnect.exe,
; installed and uninstalled under Wine so the hooks' behaviour is checked too.
; Run: makensis -WX -DHOOKS=src-tauri/windows/installer-hooks.nsh -DOUT=/tmp/x.exe this file.
; The uninstaller takes /DELETEAPPDATA where Tauri's shows the "Delete the application data" box.
Unicode true
; 64-bit, as the app is: a 64-bit Wine runs it without the 32-bit half (wine32).
Target amd64-unicode
!include LogicLib.nsh
!include FileFunc.nsh
OutFile "${OUT}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Workday Connector"
Var DeleteAppDataCheckboxState
Var UpdateMode
!include "${HOOKS}"

Section Install
  StrCpy $UpdateMode 0
  SetOutPath "$INSTDIR"
!ifdef WDCONNECT
  File "/oname=wdconnect.exe" "${WDCONNECT}"
!endif
  !insertmacro NSIS_HOOK_POSTINSTALL
  WriteUninstaller "$INSTDIR\uninstall.exe"
SectionEnd

Section Uninstall
  StrCpy $DeleteAppDataCheckboxState 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEAPPDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $DeleteAppDataCheckboxState 1
  ${EndIf}
  StrCpy $UpdateMode 0
  !insertmacro NSIS_HOOK_PREUNINSTALL
  Delete "$INSTDIR\wdconnect.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  !insertmacro NSIS_HOOK_POSTUNINSTALL
SectionEnd
