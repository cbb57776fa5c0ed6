//go:build !unix

package main

// alive reports whether process pid exists; without a portable way to
// tell, a mark is taken to be live.
func alive(int) bool { return true }
