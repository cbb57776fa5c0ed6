package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// contentType is the media type of OpenC2 messages in JSON.
const contentType = "application/openc2+json;version=1.0"

func main() {
	listen := flag.String("listen", "127.0.0.1:8443", "address to listen on (port 0: any free port)")
	cert := flag.String("cert", "", "TLS certificate (PEM); with -key, serve HTTPS")
	key := flag.String("key", "", "TLS private key (PEM)")
	table := flag.String("table", "secops_openc2", "the nftables table (family inet) the rules go in")
	hostname := flag.String("hostname", "", "the device name contain and allow device answer to (default: this host's name)")
	nftPath := flag.String("nft", "nft", "the nft command")
	flag.Parse()
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(os.Stderr, "openc2-nft: -cert and -key go together")
		os.Exit(2)
	}
	if *hostname == "" {
		*hostname, _ = os.Hostname()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "openc2-nft:", err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	c := &consumer{table: *table, hostname: *hostname, port: port, nft: execNft(*nftPath), log: log, done: map[string]reply{}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.setup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "openc2-nft: setting up the nftables table:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: c.handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// The line a caller (a test, a supervisor) waits for.
	fmt.Printf("listening on %s://%s%s\n", scheme, ln.Addr(), path)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if *cert != "" {
		err = srv.ServeTLS(ln, *cert, *key)
	} else {
		err = srv.Serve(ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "openc2-nft:", err)
		os.Exit(1)
	}
}

// path is where OpenC2 commands are POSTed (HTTPS transfer specification
// 1.1, 3.2.2).
const path = "/.well-known/openc2"

// nftRunner runs nft with args, script on standard input, and returns
// its standard output.
type nftRunner func(ctx context.Context, script string, args ...string) ([]byte, error)

func execNft(name string) nftRunner {
	return func(ctx context.Context, script string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin = strings.NewReader(script)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("nft %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
}

// consumer applies OpenC2 commands as nftables rules.
type consumer struct {
	table    string
	hostname string
	port     int // the port commands come in on, kept open by contain
	nft      nftRunner
	log      *slog.Logger

	mu   sync.Mutex       // one command at a time
	done map[string]reply // the replies to the request ids acted on
}

// reply is an OpenC2 response.
type reply struct {
	Status     int            `json:"status"`
	StatusText string         `json:"status_text,omitempty"`
	Results    map[string]any `json:"results,omitempty"`
}

// command is an OpenC2 command.
type command struct {
	Action   string                     `json:"action"`
	Target   map[string]json.RawMessage `json:"target"`
	Args     map[string]json.RawMessage `json:"args"`
	Actuator map[string]json.RawMessage `json:"actuator"`
}

// message is an OpenC2 message (HTTPS transfer specification 1.1).
type message struct {
	Headers struct {
		RequestID string `json:"request_id"`
		Created   int64  `json:"created"`
		From      string `json:"from"`
	} `json:"headers"`
	Body struct {
		OpenC2 struct {
			Request *command `json:"request"`
		} `json:"openc2"`
	} `json:"body"`
}

// setup creates the table and its chains: the base chains of the input,
// output and forward hooks jump to contain (the isolation, empty until a
// contain) and then to deny (one rule per denied connection).
func (c *consumer) setup(ctx context.Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "add table inet %s\n", c.table)
	fmt.Fprintf(&b, "add chain inet %s contain\n", c.table)
	fmt.Fprintf(&b, "add chain inet %s deny\n", c.table)
	for _, hook := range []string{"input", "output", "forward"} {
		fmt.Fprintf(&b, "add chain inet %s %s { type filter hook %s priority -10; policy accept; }\n", c.table, hook, hook)
		fmt.Fprintf(&b, "flush chain inet %s %s\n", c.table, hook)
		fmt.Fprintf(&b, "add rule inet %s %s jump contain\n", c.table, hook)
		fmt.Fprintf(&b, "add rule inet %s %s jump deny\n", c.table, hook)
	}
	_, err := c.nft(ctx, b.String(), "-f", "-")
	return err
}

func (c *consumer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+path, c.serve)
	return mux
}

func (c *consumer) serve(w http.ResponseWriter, r *http.Request) {
	var msg message
	rid := r.Header.Get("X-Request-ID")
	answer := func(rp reply) {
		if msg.Headers.RequestID != "" {
			rid = msg.Headers.RequestID
		}
		out := map[string]any{
			"headers": map[string]any{"request_id": rid, "created": time.Now().UnixMilli(), "from": c.hostname},
			"body":    map[string]any{"openc2": map[string]any{"response": rp}},
		}
		if msg.Headers.From != "" {
			out["headers"].(map[string]any)["to"] = []string{msg.Headers.From}
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		if rid != "" {
			w.Header().Set("X-Request-ID", rid)
		}
		w.WriteHeader(rp.Status)
		json.NewEncoder(w).Encode(out)
	}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/openc2+json" || params["version"] != "1.0" {
		answer(reply{Status: 400, StatusText: "want Content-Type " + contentType})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		answer(reply{Status: 400, StatusText: "reading the message: " + err.Error()})
		return
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Body.OpenC2.Request == nil {
		answer(reply{Status: 400, StatusText: "not an OpenC2 command message"})
		return
	}
	if msg.Headers.RequestID == "" {
		msg.Headers.RequestID = rid
	}
	answer(c.do(r.Context(), msg.Headers.RequestID, *msg.Body.OpenC2.Request))
}

// do performs cmd once per request id: a repeated id (a producer's
// retry) is answered as the first time, and nothing is done again.
func (c *consumer) do(ctx context.Context, rid string, cmd command) reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rp, ok := c.done[rid]; ok && rid != "" {
		c.log.Info("repeated request: answered as before", "request_id", rid, "status", rp.Status)
		return rp
	}
	rp := c.apply(ctx, cmd)
	c.log.Info("command", "request_id", rid, "action", cmd.Action, "target", targetName(cmd), "status", rp.Status, "text", rp.StatusText)
	if rid != "" && rp.Status != 500 && rp.Status != 503 {
		c.done[rid] = rp
	}
	return rp
}

func targetName(cmd command) string {
	for k := range cmd.Target {
		return k
	}
	return ""
}

// pairs are the action-target pairs this consumer performs.
var pairs = map[string][]string{
	"query":   {"features"},
	"deny":    {"ipv4_connection", "ipv6_connection", "ipv4_net", "ipv6_net"},
	"allow":   {"ipv4_connection", "ipv6_connection", "ipv4_net", "ipv6_net", "device"},
	"contain": {"device"},
}

func (c *consumer) apply(ctx context.Context, cmd command) reply {
	if len(cmd.Target) != 1 {
		return reply{Status: 400, StatusText: "a command has exactly one target"}
	}
	target := targetName(cmd)
	if !slices.Contains(pairs[cmd.Action], target) {
		return reply{Status: 501, StatusText: fmt.Sprintf("%s %s is not supported", cmd.Action, target)}
	}
	if rr, ok := cmd.Args["response_requested"]; ok {
		var v string
		if json.Unmarshal(rr, &v) != nil || !slices.Contains([]string{"none", "ack", "status", "complete"}, v) {
			return reply{Status: 400, StatusText: "response_requested: want none, ack, status or complete"}
		}
	}
	for k := range cmd.Actuator {
		if k != "slpf" {
			return reply{Status: 404, StatusText: fmt.Sprintf("no actuator %s here: this is an slpf actuator", k)}
		}
	}
	raw := cmd.Target[target]
	switch target {
	case "features":
		return c.features(raw)
	case "device":
		var dev struct {
			Hostname string `json:"hostname"`
			DeviceID string `json:"device_id"`
		}
		if json.Unmarshal(raw, &dev) != nil || dev.Hostname == "" && dev.DeviceID == "" {
			return reply{Status: 400, StatusText: "device: want a hostname or device_id"}
		}
		if dev.Hostname != c.hostname && dev.DeviceID != c.hostname {
			return reply{Status: 404, StatusText: fmt.Sprintf("device %s%s is not this host (%s)", dev.Hostname, dev.DeviceID, c.hostname)}
		}
		var err error
		if cmd.Action == "contain" {
			err = c.contain(ctx)
		} else {
			_, err = c.nft(ctx, "", "flush", "chain", "inet", c.table, "contain")
		}
		if err != nil {
			return reply{Status: 500, StatusText: err.Error()}
		}
		return reply{Status: 200}
	}
	match, err := matchOf(target, raw)
	if err != nil {
		return reply{Status: 400, StatusText: err.Error()}
	}
	if err := c.filter(ctx, cmd.Action == "deny", match); err != nil {
		return reply{Status: 500, StatusText: err.Error()}
	}
	return reply{Status: 200}
}

func (c *consumer) features(raw json.RawMessage) reply {
	var want []string
	if json.Unmarshal(raw, &want) != nil {
		return reply{Status: 400, StatusText: "features: want a list"}
	}
	res := map[string]any{}
	for _, f := range want {
		switch f {
		case "versions":
			res["versions"] = []string{"1.0"}
		case "profiles":
			res["profiles"] = []string{"slpf"}
		case "pairs":
			res["pairs"] = pairs
		case "rate_limit":
		default:
			return reply{Status: 400, StatusText: fmt.Sprintf("feature %q: want versions, profiles, pairs or rate_limit", f)}
		}
	}
	if len(res) == 0 {
		res = nil
	}
	return reply{Status: 200, Results: res}
}

// contain isolates the host: only loopback and the OpenC2 channel stay
// open, so that the allow that releases it can still come in.
func (c *consumer) contain(ctx context.Context) error {
	t := c.table
	script := fmt.Sprintf(`flush chain inet %[1]s contain
add rule inet %[1]s contain iif lo accept
add rule inet %[1]s contain oif lo accept
add rule inet %[1]s contain tcp dport %[2]d accept
add rule inet %[1]s contain tcp sport %[2]d accept
add rule inet %[1]s contain drop comment "openc2 contain device"
`, t, c.port)
	_, err := c.nft(ctx, script, "-f", "-")
	return err
}

// matchOf returns the nftables match of a connection or address range
// target, e.g. "ip daddr 203.0.113.7 drop"'s "ip daddr 203.0.113.7". A
// value nft could read as something else is refused here: only
// addresses, numbers and known protocol names reach the script.
func matchOf(target string, raw json.RawMessage) (string, error) {
	v6 := strings.HasPrefix(target, "ipv6")
	fam := "ip"
	if v6 {
		fam = "ip6"
	}
	if target == "ipv4_net" || target == "ipv6_net" {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", fmt.Errorf("%s: want an address range", target)
		}
		a, err := addr(s, v6)
		if err != nil {
			return "", err
		}
		// An address range, as stateless filters read it: traffic to it
		// or from it.
		return fmt.Sprintf("%s daddr %s", fam, a) + "|" + fmt.Sprintf("%s saddr %s", fam, a), nil
	}
	var conn struct {
		SrcAddr  *string `json:"src_addr"`
		SrcPort  *int    `json:"src_port"`
		DstAddr  *string `json:"dst_addr"`
		DstPort  *int    `json:"dst_port"`
		Protocol *string `json:"protocol"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&conn); err != nil {
		return "", fmt.Errorf("%s: %v", target, err)
	}
	var parts []string
	for _, a := range []struct {
		dir string
		v   *string
	}{{"saddr", conn.SrcAddr}, {"daddr", conn.DstAddr}} {
		if a.v == nil {
			continue
		}
		s, err := addr(*a.v, v6)
		if err != nil {
			return "", err
		}
		parts = append(parts, fam+" "+a.dir+" "+s)
	}
	proto := ""
	if conn.Protocol != nil {
		if !slices.Contains([]string{"tcp", "udp", "sctp", "icmp"}, *conn.Protocol) {
			return "", fmt.Errorf("protocol %q: want tcp, udp, sctp or icmp", *conn.Protocol)
		}
		proto = *conn.Protocol
		if proto == "icmp" && v6 {
			proto = "ipv6-icmp"
		}
		parts = append(parts, "meta l4proto "+proto)
	}
	for _, p := range []struct {
		dir string
		v   *int
	}{{"sport", conn.SrcPort}, {"dport", conn.DstPort}} {
		if p.v == nil {
			continue
		}
		if *p.v < 0 || *p.v > 65535 {
			return "", fmt.Errorf("port %d: want 0 to 65535", *p.v)
		}
		hdr := "th"
		if proto == "tcp" || proto == "udp" || proto == "sctp" {
			hdr = proto
		}
		parts = append(parts, hdr+" "+p.dir+" "+strconv.Itoa(*p.v))
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("%s: an empty connection would match all traffic", target)
	}
	return strings.Join(parts, " "), nil
}

func addr(s string, v6 bool) (string, error) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() != v6 {
		return p.Masked().String(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() != v6 && a.Zone() == "" {
		return a.String(), nil
	}
	fam := "IPv4"
	if v6 {
		fam = "IPv6"
	}
	return "", fmt.Errorf("%q is not an %s address or range", s, fam)
}

// filter adds (deny) or removes (allow) the drop rules of match, each
// marked with a comment naming it. Both are idempotent: a deny already in
// place is not added twice, and an allow of a connection that is not
// denied changes nothing.
func (c *consumer) filter(ctx context.Context, deny bool, match string) error {
	matches := strings.Split(match, "|")
	handles, err := c.ruleHandles(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, m := range matches {
		comment := "openc2 deny " + m
		hs, present := handles[comment]
		switch {
		case deny && !present:
			fmt.Fprintf(&b, "add rule inet %s deny %s drop comment %q\n", c.table, m, comment)
		case !deny:
			for _, h := range hs {
				fmt.Fprintf(&b, "delete rule inet %s deny handle %d\n", c.table, h)
			}
		}
	}
	if b.Len() == 0 {
		return nil
	}
	_, err = c.nft(ctx, b.String(), "-f", "-")
	return err
}

// ruleHandles returns the handles of the deny chain's rules by comment.
func (c *consumer) ruleHandles(ctx context.Context) (map[string][]int, error) {
	out, err := c.nft(ctx, "", "-j", "list", "chain", "inet", c.table, "deny")
	if err != nil {
		return nil, err
	}
	var list struct {
		Nftables []struct {
			Rule *struct {
				Handle  int    `json:"handle"`
				Comment string `json:"comment"`
			} `json:"rule"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("reading nft's list of rules: %v", err)
	}
	m := map[string][]int{}
	for _, e := range list.Nftables {
		if e.Rule != nil && e.Rule.Comment != "" {
			m[e.Rule.Comment] = append(m[e.Rule.Comment], e.Rule.Handle)
		}
	}
	return m, nil
}
