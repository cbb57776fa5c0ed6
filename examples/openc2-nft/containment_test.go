package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// The addresses of the test's network: the host (10.250.0.1) and the C&C
// server (10.250.0.2) on one veth pair, the host's management address
// (10.250.1.2, where the consumer listens) and this side's (10.250.1.1)
// on another. They exist only inside this machine, while the test runs.
const (
	hostAddr = "10.250.0.1"
	c2Addr   = "10.250.0.2"
	mgmtHere = "10.250.1.1"
	mgmtHost = "10.250.1.2"
	c2Port   = "4444"
)

// TestMain lets the test binary serve as the C&C server and as the
// host's client, run inside the namespaces by ip netns exec.
func TestMain(m *testing.M) {
	switch os.Getenv("OPENC2_NFT_HELPER") {
	case "listen": // the C&C server: greet every connection
		ln, err := net.Listen("tcp", os.Getenv("OPENC2_NFT_ADDR"))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		for {
			c, err := ln.Accept()
			if err != nil {
				os.Exit(1)
			}
			io.WriteString(c, "hello\n")
			c.Close()
		}
	case "dial": // the host: exit 0 when the server answers within a second
		c, err := net.DialTimeout("tcp", os.Getenv("OPENC2_NFT_ADDR"), time.Second)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		c.SetDeadline(time.Now().Add(time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "hello\n" {
			fmt.Println("no greeting:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// need skips the test without root, ip or nft, and fails it under
// CI=true, where they must be there.
func need(t *testing.T) {
	t.Helper()
	miss := ""
	switch {
	case os.Geteuid() != 0:
		miss = "root (to make network namespaces)"
	default:
		for _, c := range []string{"ip", "nft"} {
			if _, err := exec.LookPath(c); err != nil {
				miss = c
			}
		}
	}
	if miss == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs %s, required under CI=true", miss)
	}
	t.Skipf("needs %s", miss)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// network makes the namespaces and links, removed at the end of the test.
func network(t *testing.T) (host, c2 string) {
	t.Helper()
	if out, _ := exec.Command("ip", "route", "show", "10.250.0.0/16").CombinedOutput(); strings.TrimSpace(string(out)) != "" {
		t.Skipf("10.250.0.0/16 is in use on this machine: %s", out)
	}
	id := fmt.Sprint(os.Getpid() % 100000)
	host, c2 = "oc2-host-"+id, "oc2-c2-"+id
	hv, cv, mh, mv := "oc2h"+id, "oc2c"+id, "oc2m"+id, "oc2n"+id
	run(t, "ip", "netns", "add", host)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", host).Run() })
	run(t, "ip", "netns", "add", c2)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", c2).Run() })
	run(t, "ip", "link", "add", hv, "netns", host, "type", "veth", "peer", "name", cv, "netns", c2)
	run(t, "ip", "link", "add", mh, "type", "veth", "peer", "name", mv, "netns", host)
	t.Cleanup(func() { exec.Command("ip", "link", "del", mh).Run() })
	run(t, "ip", "-n", host, "addr", "add", hostAddr+"/24", "dev", hv)
	run(t, "ip", "-n", c2, "addr", "add", c2Addr+"/24", "dev", cv)
	run(t, "ip", "-n", host, "addr", "add", mgmtHost+"/24", "dev", mv)
	run(t, "ip", "addr", "add", mgmtHere+"/24", "dev", mh)
	for _, l := range [][]string{{host, hv}, {host, mv}, {host, "lo"}, {c2, cv}, {c2, "lo"}} {
		run(t, "ip", "-n", l[0], "link", "set", l[1], "up")
	}
	run(t, "ip", "link", "set", mh, "up")
	return host, c2
}

// start runs cmd and returns the first line it prints, or fails.
func start(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
	}()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatalf("%s printed nothing", cmd.Path)
		}
		return l
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start", cmd.Path)
	}
	return ""
}

// reaches reports whether the host reaches the C&C server: a real TCP
// connection from inside the host's namespace.
func reaches(t *testing.T, self, host string) bool {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", host, self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "OPENC2_NFT_HELPER=dial", "OPENC2_NFT_ADDR="+c2Addr+":"+c2Port)
	return cmd.Run() == nil
}

// certificate writes a CA and the consumer's certificate for mgmtHost.
func certificate(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "openc2-nft test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: mgmtHost}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP(mgmtHost)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(leafKey)
	ca, cert, key = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for f, b := range map[string]*pem.Block{ca: {Type: "CERTIFICATE", Bytes: caDER}, cert: {Type: "CERTIFICATE", Bytes: leafDER}, key: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(f, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca, cert, key
}

func build(t *testing.T, dir string) (secops, lab, consumer string) {
	t.Helper()
	secops, lab, consumer = filepath.Join(dir, "secops"), filepath.Join(dir, "lab"), filepath.Join(dir, "openc2-nft")
	for out, pkg := range map[string]string{secops: "../../cmd/secops", lab: "../lab", consumer: "."} {
		if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	return
}

// TestContainment runs the reference design's first response, fr-1
// (block the C&C address, isolate the host), through secops run with the
// firewall reached over OpenC2: the consumer filters the host's traffic
// in its network namespace, the host stops reaching the C&C server after
// the block, and reaches it again after secops rollback. Then it isolates
// and releases the host itself through the adapter.
func TestContainment(t *testing.T) {
	need(t)
	host, c2 := network(t)
	dir := t.TempDir()
	secopsBin, labBin, consumerBin := build(t, dir)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// The C&C server, and the consumer on the host with HTTPS.
	srv := exec.Command("ip", "netns", "exec", c2, self, "-test.run=^$")
	srv.Env = append(os.Environ(), "OPENC2_NFT_HELPER=listen", "OPENC2_NFT_ADDR="+c2Addr+":"+c2Port)
	if l := start(t, srv); l != "ready" {
		t.Fatalf("C&C server: %s", l)
	}
	ca, cert, key := certificate(t, dir)
	line := start(t, exec.Command("ip", "netns", "exec", host, consumerBin, "-listen", mgmtHost+":0", "-cert", cert, "-key", key, "-hostname", "pc-a"))
	url, ok := strings.CutPrefix(line, "listening on ")
	if !ok || !strings.HasPrefix(url, "https://"+mgmtHost+":") {
		t.Fatalf("consumer: %s", line)
	}
	if !reaches(t, self, host) {
		t.Fatal("before the run, the host does not reach the C&C server")
	}

	// The reference design with the alert of a C&C connection to c2Addr,
	// the lab for the EDR and threat intelligence, OpenC2 for the firewall.
	design, err := os.ReadFile("../targeted-attack/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var lab map[string]map[string]any
	b, _ := os.ReadFile("../lab/lab.json")
	json.Unmarshal(b, &lab)
	lab["1.1.2"]["dst_ip"] = c2Addr
	labJSON, _ := json.Marshal(lab)
	labFile := filepath.Join(dir, "lab.json")
	env := fmt.Sprintf(`{LAB_STATE: %q, LAB_LOG: %q}`, filepath.Join(dir, "state"), filepath.Join(dir, "lab.log"))
	files := map[string]string{
		"design.yaml":  string(design),
		"lab.json":     string(labJSON),
		"alert.json":   fmt.Sprintf(`{"category": "c2", "signature": "TI:APT-C2-2026-0117", "host": "pc-a", "src_ip": %q, "dst_ip": %q, "file_name": "customers.xlsx", "time": "2026-11-20T09:15:00+09:00"}`, hostAddr, c2Addr),
		"answers.json": fmt.Sprintf(`{"0.1.1": {"confirmed": true}, "1.4.1": {"iocs": [%q, "rundll32.exe"]}, "1.27.1": {"report_decision": "report"}}`, c2Addr),
		"adapters.yaml": fmt.Sprintf(`format: secops-adapters/v1
adapters:
  - {name: firewall, kind: openc2, url: %q, tls: {ca_file: ca.pem}, timeout: 30s, retries: 2}
  - {name: edr, kind: command, command: [%q, %q], env: %s, timeout: 1m}
  - {name: threatintel, kind: command, command: [%q, %q], env: %s, timeout: 1m}
`, url, labBin, labFile, env, labBin, labFile, env),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secops := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(secopsBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SECOPS_ACTOR=tester")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("secops %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	secops("validate", "design.yaml")
	secops("run", "design.yaml", "--adapters", "adapters.yaml", "--alert", "alert.json", "--record", "run.json")
	secops("resume", "run.json", "--adapters", "adapters.yaml", "--outputs", "answers.json")
	if !reaches(t, self, host) {
		t.Error("before the approval of the containment, the host no longer reaches the C&C server")
	}
	secops("resume", "run.json", "--adapters", "adapters.yaml", "--approve")
	rec, err := runstore.NewFile(filepath.Join(dir, "run.json")).Load()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed || !containsAll(rec.Applied, "2.1.1", "2.2.1") {
		t.Fatalf("after the approval: status %s, applied %v", rec.Status, rec.Applied)
	}
	if reaches(t, self, host) {
		t.Error("after the block, the host still reaches the C&C server")
	}
	rules := run(t, "ip", "netns", "exec", host, "nft", "list", "chain", "inet", "secops_openc2", "deny")
	if !strings.Contains(rules, "ip daddr "+c2Addr+" drop") {
		t.Errorf("the deny chain:\n%s", rules)
	}

	secops("rollback", "run.json", "--adapters", "adapters.yaml")
	if !reaches(t, self, host) {
		t.Error("after the rollback, the host does not reach the C&C server")
	}
	if rules := run(t, "ip", "netns", "exec", host, "nft", "list", "chain", "inet", "secops_openc2", "deny"); strings.Contains(rules, "drop") {
		t.Errorf("after the rollback, the deny chain:\n%s", rules)
	}

	// Isolating the host itself cuts it off, and the release (sent over
	// the management link the isolation leaves open) restores it.
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(ca)
	pool.AppendCertsFromPEM(caPEM)
	edr, err := openc2.New("edr", url, nil, openc2.WithTLSConfig(&tls.Config{RootCAs: pool}), openc2.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pc := map[string]any{"host": "pc-a"}
	if _, err := edr.Call(ctx, adapters.Request{Operation: "isolate_host", Inputs: pc, IdempotencyKey: "t/response/fr-4/2.2.1"}); err != nil {
		t.Fatal(err)
	}
	if reaches(t, self, host) {
		t.Error("the isolated host still reaches the C&C server")
	}
	if _, err := edr.Features(ctx); err != nil {
		t.Errorf("the consumer of the isolated host does not answer: %v", err)
	}
	if _, err := edr.Call(ctx, adapters.Request{Operation: "release_host", Inputs: pc, IdempotencyKey: "t/rollback/2.2.1"}); err != nil {
		t.Fatal(err)
	}
	if !reaches(t, self, host) {
		t.Error("the released host does not reach the C&C server")
	}
}

func containsAll[T comparable](s []T, want ...T) bool {
	for _, w := range want {
		found := false
		for _, v := range s {
			found = found || v == w
		}
		if !found {
			return false
		}
	}
	return true
}
