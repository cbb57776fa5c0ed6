package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWordsFor picks the page's language from the design's, as the
// runbook does: Japanese for ja, English otherwise.
func TestWordsFor(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"ja", "ja"}, {"ja-JP", "ja"}, {"JA", "ja"}, {"en", "en"}, {"en-GB", "en"}, {"", "en"}, {"fr", "en"}, {"jav", "en"},
	}
	var got, want []string
	for _, tt := range tests {
		got = append(got, tt.lang+"="+wordsFor(tt.lang).Lang)
		want = append(want, tt.lang+"="+tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
