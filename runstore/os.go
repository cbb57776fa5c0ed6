package runstore

import "os"

var (
	osHostname = os.Hostname
	osGetpid   = os.Getpid
)
