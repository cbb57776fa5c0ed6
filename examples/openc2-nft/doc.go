// Command openc2-nft is a small OpenC2 consumer: a stateless packet
// filter (the OpenC2 SLPF actuator profile) that applies the commands it
// receives as nftables rules, by running nft.
//
// It serves OpenC2 over HTTPS as the transfer specification 1.1 says
// (POST /.well-known/openc2, Content-Type
// application/openc2+json;version=1.0, the message's request_id copied
// into the response) — over plain HTTP without -cert and -key, the
// specification's "Testing" target. It performs:
//
//	deny ipv4_connection, ipv6_connection   a drop rule for the connection's addresses, protocol and ports
//	deny ipv4_net, ipv6_net                 drop rules for traffic to and from the range
//	allow (the same targets)                removes the drop rules of exactly that target: the rollback of a deny
//	contain device                          isolates this host: only loopback and the OpenC2 port stay open
//	allow device                            lifts the isolation
//	query features                          versions, profiles (slpf) and pairs
//
// The rules live in their own table (inet secops_openc2 by default),
// whose base chains on the input, output and forward hooks jump to a
// contain chain and a deny chain; each deny rule carries a comment naming
// what it matches, so that a deny already in place is not added twice
// and an allow removes exactly it. A command repeated with the same
// request_id (a producer's retry) is answered as the first time and not
// performed again. Unsupported pairs get 501, malformed commands 400, a
// device that is not this host 404, a failing nft 500.
//
// Usage (as root, or with CAP_NET_ADMIN):
//
//	openc2-nft -listen 127.0.0.1:8443 [-cert cert.pem -key key.pem] [-hostname pc-a] [-table secops_openc2]
//
// It prints "listening on URL" once it listens. Remove its rules with
// nft delete table inet secops_openc2. See README.md for running the
// reference design's containment through it.
package main
