//go:build unix

package fsperm

import "syscall"

// Umask sets the process's umask to 077, so that every file and folder created from now on,
// by our code or a library's, is private to the service's user. The binary's commands call it
// first; it affects the whole process.
func Umask() { syscall.Umask(0o077) }
