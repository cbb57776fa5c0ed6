// Package alerthistory writes the alert histories that the tests of
// package review replay: one for each bundled example, from a fixed
// recipe (the counts below are what the tests check by hand) with the
// values that decide nothing drawn from a seeded generator, so that the
// output is the same on every run.
//
// Command alerthistory (internal/cmd/alerthistory) writes them:
//
//	go run ./internal/cmd/alerthistory -example targeted-attack > review/testdata/targeted-attack.jsonl
//	go run ./internal/cmd/alerthistory -example acme-web > review/testdata/acme-web.json
//
// targeted-attack (JSON Lines, 30 days from 2026-10-01, +09:00), per day:
// 12 rat, 2 c2 with a "TI:" signature, 4 c2 without, 6 internal-scan,
// 40 port-scan, 15 adware, 8 phishing-url, 1 alert without a category;
// no ransomware. Besides: a line that is not JSON on days 0, 10 and 20,
// a rat alert whose host is a number on days 5, 15 and 25, a JSON array
// line on day 7, and a rat alert without a time on day 3.
//
// acme-web (one JSON array, 21 days from 2026-11-01, UTC), per day:
// 1 payment-change mail with a sender domain, 5 impossible-travel
// sign-ins, 6 WAF alerts with a CVE, 25 without, 2 DDoS alerts of 2,000
// requests per second, 10 mfa-fatigue, 12 pup-detected, 20 spam-reported.
// Besides: a payment-change mail without a sender domain on days 0, 3, 6,
// ..., 18 (7), a web shell on days 4 and 16, a DDoS of 80,000 requests
// per second on days 0, 7 and 14, a DDoS without a rate on days 0, 5, 10,
// 15 and 20, and three alerts with bad values: a rate "fast" (day 2), a
// port 70000 (day 9) and an address 999.1.1.1 (day 11).
package alerthistory

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Examples lists the examples Write knows.
var Examples = []string{"targeted-attack", "acme-web"}

// Write writes the alert history of example ("targeted-attack" or
// "acme-web") to w.
func Write(w io.Writer, example string) error {
	bw := bufio.NewWriter(w)
	var err error
	switch example {
	case "targeted-attack":
		err = targetedAttack(bw)
	case "acme-web":
		err = acmeWeb(bw)
	default:
		err = fmt.Errorf("unknown example %q", example)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

type alert = map[string]any

// day spreads the day's alerts over its hours in a shuffled order, and
// writes them with the time key set (unless an alert has "-" under it).
func day(rng *rand.Rand, start time.Time, timeKey string, alerts []any, emit func(any) error) error {
	rng.Shuffle(len(alerts), func(i, j int) { alerts[i], alerts[j] = alerts[j], alerts[i] })
	step := 23 * time.Hour / time.Duration(len(alerts))
	for i, a := range alerts {
		if m, ok := a.(alert); ok {
			if m[timeKey] == "-" {
				delete(m, timeKey)
			} else {
				m[timeKey] = start.Add(time.Duration(i) * step).Format(time.RFC3339)
			}
		}
		if err := emit(a); err != nil {
			return err
		}
	}
	return nil
}

func repeat(n int, f func() any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

// raw is a line written as it is.
type raw string

func ip(rng *rand.Rand, prefix string) string {
	return fmt.Sprintf("%s.%d.%d", prefix, rng.IntN(256), 1+rng.IntN(254))
}

func targetedAttack(w *bufio.Writer) error {
	rng := rand.New(rand.NewPCG(8, 2026))
	jst := time.FixedZone("JST", 9*3600)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, jst)
	host := func() string { return fmt.Sprintf("pc-%03d", rng.IntN(400)) }
	mk := func(category, signature string) func() any {
		return func() any {
			return alert{"category": category, "signature": signature, "host": host(),
				"src_ip": ip(rng, "10.0"), "dst_ip": ip(rng, "198.51")}
		}
	}
	emit := func(a any) error {
		if r, ok := a.(raw); ok {
			_, err := fmt.Fprintln(w, string(r))
			return err
		}
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	for d := range 30 {
		var as []any
		as = append(as, repeat(12, mk("rat", "RAT:PlugX"))...)
		as = append(as, repeat(2, mk("c2", "TI:APT-C2-2026-0117"))...)
		as = append(as, repeat(4, mk("c2", "DGA:generic"))...)
		as = append(as, repeat(6, mk("internal-scan", "SCAN:smb-sweep"))...)
		as = append(as, repeat(40, mk("port-scan", "SCAN:tcp-syn"))...)
		as = append(as, repeat(15, mk("adware", "PUP:adware"))...)
		as = append(as, repeat(8, mk("phishing-url", "URL:phish"))...)
		as = append(as, alert{"signature": "UNKNOWN", "host": host()})
		if d%10 == 0 {
			as = append(as, raw(`{"category": "rat", "host": `))
		}
		if d%10 == 5 {
			as = append(as, alert{"category": "rat", "signature": "RAT:PlugX", "host": 12345})
		}
		if d == 7 {
			as = append(as, raw(`["rat", "pc-001"]`))
		}
		if d == 3 {
			a := mk("rat", "RAT:PlugX")().(alert)
			a["time"] = "-"
			as = append(as, a)
		}
		if err := day(rng, start.AddDate(0, 0, d), "time", as, emit); err != nil {
			return err
		}
	}
	return nil
}

func acmeWeb(w *bufio.Writer) error {
	rng := rand.New(rand.NewPCG(11, 2026))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	mailbox := func() string { return fmt.Sprintf("user%02d@acme.example", rng.IntN(60)) }
	server := func() string { return fmt.Sprintf("web-%02d.acme.example", 1+rng.IntN(8)) }
	mail := func(rule string, sender bool) func() any {
		return func() any {
			a := alert{"alert_type": "mail", "rule_name": rule, "mailbox": mailbox(),
				"message_id": fmt.Sprintf("<%08x@mail.example>", rng.Uint32())}
			if sender {
				a["sender_domain"] = "acme-payments.example"
			}
			return a
		}
	}
	identity := func(rule string) func() any {
		return func() any {
			return alert{"alert_type": "identity", "rule_name": rule, "mailbox": mailbox(), "src_ip": ip(rng, "203.0")}
		}
	}
	waf := func(cve bool) func() any {
		return func() any {
			a := alert{"alert_type": "waf", "rule_name": "owasp-crs", "target_host": server(),
				"target_url": "https://shop.acme.example/checkout", "src_ip": ip(rng, "192.0"), "dst_port": 443}
			if cve {
				a["rule_name"], a["cve"] = "known-cve", fmt.Sprintf("CVE-2026-%04d", 1000+rng.IntN(50))
			}
			return a
		}
	}
	ddos := func(rate any) func() any {
		return func() any {
			a := alert{"alert_type": "ddos", "rule_name": "edge-rate", "target_host": "shop.acme.example"}
			if rate != nil {
				a["request_rate"] = rate
			}
			return a
		}
	}
	edr := func(rule string) func() any {
		return func() any {
			return alert{"alert_type": "edr", "rule_name": rule, "target_host": server(),
				"file_hash": fmt.Sprintf("sha256:%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())}
		}
	}
	if _, err := w.WriteString("[\n"); err != nil {
		return err
	}
	first := true
	emit := func(a any) error {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if !first {
			if _, err := w.WriteString(",\n"); err != nil {
				return err
			}
		}
		first = false
		_, err = w.Write(append([]byte("  "), b...))
		return err
	}
	for d := range 21 {
		var as []any
		as = append(as, repeat(1, mail("payment-change-request", true))...)
		as = append(as, repeat(5, identity("impossible-travel"))...)
		as = append(as, repeat(6, waf(true))...)
		as = append(as, repeat(25, waf(false))...)
		as = append(as, repeat(2, ddos(2000))...)
		as = append(as, repeat(10, identity("mfa-fatigue"))...)
		as = append(as, repeat(12, edr("pup-detected"))...)
		as = append(as, repeat(20, mail("spam-reported", false))...)
		if d%3 == 0 {
			as = append(as, mail("payment-change-request", false)())
		}
		if d == 4 || d == 16 {
			as = append(as, edr("webshell-written")())
		}
		if d%7 == 0 {
			as = append(as, ddos(80000)())
		}
		if d%5 == 0 {
			as = append(as, ddos(nil)())
		}
		switch d {
		case 2:
			as = append(as, ddos("fast")())
		case 9:
			a := waf(false)().(alert)
			a["dst_port"] = 70000
			as = append(as, a)
		case 11:
			a := identity("impossible-travel")().(alert)
			a["src_ip"] = "999.1.1.1"
			as = append(as, a)
		}
		if err := day(rng, start.AddDate(0, 0, d), "alert_time", as, emit); err != nil {
			return err
		}
	}
	_, err := w.WriteString("\n]\n")
	return err
}
