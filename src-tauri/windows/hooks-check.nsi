; Compiles installer-hooks.nsh the way Tauri's NSIS template includes it (the same variables and
; headers), so a syntax error shows in scripts/test.sh on Linux, not first in the release build.
; Run: makensis -WX -DHOOKS=src-tauri/windows/installer-hooks.nsh -DOUT=/tmp/x.exe this file.
Unicode true
!include LogicLib.nsh
!include FileFunc.nsh
OutFile "${OUT}"
RequestExecutionLevel user
Var DeleteAppDataCheckboxState
Var UpdateMode
!include "${HOOKS}"

Section Install
  StrCpy $UpdateMode 0
  !insertmacro NSIS_HOOK_POSTINSTALL
  WriteUninstaller "$INSTDIR\uninstall.exe"
SectionEnd

Section Uninstall
  StrCpy $DeleteAppDataCheckboxState 1
  StrCpy $UpdateMode 0
  !insertmacro NSIS_HOOK_PREUNINSTALL
  !insertmacro NSIS_HOOK_POSTUNINSTALL
SectionEnd
