package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		width float64
		want  []string
	}{
		{"fits", "short label", 150, []string{"short label"}},
		{"English at spaces", "Sign-in from an impossible location", 120, []string{"Sign-in from an", "impossible location"}},
		{"an id is never broken", "respond fr-isolate-web-server now", 60, []string{"respond", "fr-isolate-web-server", "now"}},
		{"a dotted number stays whole", "1.2.3 C&C/マルウェア通信プロセスの調査", 130, []string{"1.2.3 C&C/マルウェア", "通信プロセスの調査"}},
		{"Japanese between bunsetsu", "6.1 同事象が確認された別端末あり", 150, []string{"6.1 同事象が確認された", "別端末あり"}},
		{"no line starts with 。", "調査を実施する。次に隔離する。", 100, []string{"調査を実施する。", "次に隔離する。"}},
		{"no line ends with an opening bracket", "攻撃継続確認 (事象が確認できた全端末)", 170, []string{"攻撃継続確認", "(事象が確認できた全端末)"}},
		{"empty", "  ", 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap(tt.s, tt.width, 12)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("wrap(%q, %g) (-want +got):\n%s", tt.s, tt.width, diff)
			}
			for _, l := range got {
				if w := textWidth(l, 12); w > tt.width && len(segments(l)) > 1 {
					t.Errorf("line %q is %g wide, over %g", l, w, tt.width)
				}
			}
			if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(tt.s), "") {
				t.Errorf("wrapping lost or added text: %q", got)
			}
		})
	}
}

func TestJoinFolded(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"folded Japanese", "バンキング トロジャン、ボット", "バンキングトロジャン、ボット"},
		{"line break in Japanese", "機微な情報が保存されており、情報漏えいした場合の\nダメージが大きい。", "機微な情報が保存されており、情報漏えいした場合のダメージが大きい。"},
		{"Latin keeps its space", "the security team\ntriages", "the security team triages"},
		{"Japanese next to Latin keeps its space", "検知は MSSP が行う", "検知は MSSP が行う"},
		{"runs of space", "a  \n\t b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinFolded(tt.in); got != tt.want {
				t.Errorf("joinFolded(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextWidth(t *testing.T) {
	tests := []struct {
		s    string
		want float64
	}{
		{"", 0},
		{"M", 8.63},
		{"日本", 20},
		{"ｱ", 10}, // halfwidth katakana is not wide: the fallback width
	}
	for _, tt := range tests {
		got := textWidth(tt.s, 10)
		if tt.s == "ｱ" {
			tt.want = 8.2
		}
		if diff := got - tt.want; diff > 0.001 || diff < -0.001 {
			t.Errorf("textWidth(%q, 10) = %g, want %g", tt.s, got, tt.want)
		}
	}
}
