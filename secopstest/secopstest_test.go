package secopstest_test

import (
	"testing"

	"github.com/secopsdesign/secops/secopstest"
)

func TestReference(t *testing.T) {
	secopstest.Run(t, "../examples/targeted-attack/scenarios.yaml")
}

func TestAcmeWeb(t *testing.T) {
	secopstest.Run(t, "../examples/acme-web/scenarios.yaml")
}
