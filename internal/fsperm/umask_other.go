//go:build !unix

package fsperm

// Umask does nothing where there is no umask (Windows: the data folder's ACL decides).
func Umask() {}
