@echo off
rem `hangar`: the command line of a packaged Hangar (runs the app binary in CLI mode, no window).
"%~dp0..\..\Hangar.exe" --cli %*
exit /b %ERRORLEVEL%
