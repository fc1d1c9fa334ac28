// Package memtrim returns memory that C libraries freed to the system.
// ONNX Runtime allocates its sessions' arenas with malloc; after the
// sessions are destroyed, glibc keeps the freed pages in its arenas until
// asked to trim them.
package memtrim

/*
#include <malloc.h>
*/
import "C"

// Trim asks glibc to return freed heap memory to the system; it reports
// whether any was returned.
func Trim() bool { return C.malloc_trim(0) == 1 }
