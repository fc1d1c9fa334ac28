//go:build !linux

// Package memtrim returns memory that C libraries freed to the system
// (glibc only; elsewhere the allocator returns it by itself).
package memtrim

// Trim does nothing outside Linux.
func Trim() bool { return false }
