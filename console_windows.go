package main

import (
	"syscall"
	"unsafe"
)

// releaseOwnConsole closes the console window Windows opens for a console
// program started from Explorer or the Start menu (tessera.exe is a
// console program, so that `tessera.exe analyze …` prints in a terminal):
// when this process is the console's only one, the console is its own,
// and the viewer needs none. Started from a terminal, it keeps it.
func releaseOwnConsole() {
	kernel32 := syscall.NewLazyDLL("kernel32.dll")
	list, free := kernel32.NewProc("GetConsoleProcessList"), kernel32.NewProc("FreeConsole")
	if list.Find() != nil || free.Find() != nil {
		return
	}
	var pids [2]uint32
	if n, _, _ := list.Call(uintptr(unsafe.Pointer(&pids[0])), 2); n == 1 {
		free.Call()
	}
}
