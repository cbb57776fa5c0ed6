package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/secopsdesign/secops/internal/synth"
)

func main() {
	n := flag.Int("playbooks", 10, "number of playbooks (of 20 steps each)")
	format := flag.String("format", "yaml", "output format: json or yaml")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "synth: -playbooks must not be negative")
		os.Exit(2)
	}
	d := synth.Design(*n)
	w := bufio.NewWriter(os.Stdout)
	var err error
	switch *format {
	case "json":
		err = d.WriteJSON(w)
	case "yaml":
		err = d.WriteYAML(w)
	default:
		fmt.Fprintf(os.Stderr, "synth: -format must be json or yaml, not %q\n", *format)
		os.Exit(2)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}
