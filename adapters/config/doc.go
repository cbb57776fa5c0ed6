// Package config reads the adapter configuration file, format
// secops-adapters/v1, which says how each adapter a design names is
// reached, and builds the adapters it describes.
//
//	format: secops-adapters/v1
//	adapters:
//	  - name: edr
//	    kind: command
//	    command: [python3, integrations/edr.py]
//	    timeout: 30s
//	  - name: firewall
//	    kind: webhook
//	    url: https://fw.example.internal/secops
//	    headers: {Authorization: "Bearer ${FW_TOKEN}"}
//	  - name: perimeter
//	    kind: openc2
//	    url: https://pf.example.internal/.well-known/openc2
//	    operations:
//	      block_ip: {action: deny, target: ipv4_connection, inputs: {dst_ip: dst_addr}}
//	      unblock_ip: {action: allow, target: ipv4_connection, inputs: {dst_ip: dst_addr}}
//
// Load reports problems as findings with positions, in the same form as
// the design's. Relative paths in the file (a command containing a slash,
// dir, and the TLS files) are relative to the file's directory, and a
// command runs there unless dir says otherwise. File.Check compares the
// file with a design: actions no adapter serves, and adapters no action
// uses, and for an openc2 adapter, operations it has no OpenC2 command
// for. File.Registry builds the adapters. The format is described in
// docs/adapters.md.
package config
