package cacao

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// Namespace is the UUID namespace of every identifier Export derives. It
// is itself the UUIDv5 of the URL "https://github.com/secopsdesign/secops/cacao"
// in the RFC 9562 URL namespace, written out so that it never changes.
const Namespace = "ab9be25c-53ee-519b-8077-def6fb994231"

// urlNamespace is the RFC 9562 namespace for URLs.
const urlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"

// uuid5 returns the RFC 9562 version 5 UUID of name in namespace ns, in
// its canonical lower-case text form. ns must be a canonical UUID.
func uuid5(ns, name string) string {
	nsb, err := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	if err != nil || len(nsb) != 16 {
		panic("cacao: bad namespace UUID " + ns)
	}
	h := sha1.New()
	h.Write(nsb)
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // variant RFC 9562
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
