package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secopsdesign/secops"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// words are the fixed words and headings of one language.
type words struct {
	version string

	scope, parties, domains, systems, incidents, responsibilities string
	id, name, purpose, solutions, class, kinds, threats, notes    string
	domain, covered, sourcing, references                         string
	inScope, outOfScope                                           string
	phase, responsible, accountable, consulted, informed          string
	sourcings                                                     map[scope.Sourcing]string
	classes                                                       map[scope.Class]string
	phases                                                        map[scope.Phase]string

	criteria, severities, severity, description, actions string
	firstResponseTarget, responseTarget, triage          string
	triaged, notTriaged                                  string
	threshold                                            string // %s: the severity
	actionNames                                          map[criteria.Action]string
	detections, detection, source, condition, confirm    string
	confirmText                                          string // %s: process, %s: condition
	playbook                                             string

	fields, fieldType, list string

	playbooks, playbookIncidents, playbookInputs, start, flow string
	targets                                                   map[playbook.Target]string
	process, next, otherwise, otherwiseItem, end              string
	when                                                      string // %s: the condition
	stepRef                                                   string // %d: number, %s: quoted name

	processTable, method, procedure, inputs, outputs, performedBy, estimate string
	manual, note                                                            string

	responses, approval, rollback, noApproval string
	responsePhases                            map[response.Phase]string

	policies, rule string

	// Conditions in words (see describe); %s is a field's name.
	isTrue, isFalse, known, unknown, some, noneOf string
	count                                         string // %s: name, %s: operator, %d: number
	between                                       string // %s: name, %d: least, %d: most
	and, or                                       string
	notIncident                                   string // the end of a flow whose confirmation fails

	// The HTML runbook.
	summary, whenFires, startHere, confirmFirst, triagedBy, approvedBy, performer string
	decision, goTo, contents, notTriagedCard, notTriagedCell                      string

	sep      string // between the items of an inline list
	quoted   string // %s: a name quoted in running text
	quoteSep string // between a word and a quoted name
	none     string // an empty cell
}

var english = words{
	version: "version",

	scope: "Scope", parties: "Parties", domains: "Domains", systems: "Systems",
	incidents: "Incidents", responsibilities: "Responsibilities",
	id: "ID", name: "Name", purpose: "Purpose", solutions: "Solutions", class: "Class",
	kinds: "Kinds", threats: "Threats", notes: "Notes", domain: "Domain",
	covered: "In scope", sourcing: "Sourcing", references: "References",
	inScope: "in scope", outOfScope: "out of scope",
	phase: "Phase", responsible: "Responsible", accountable: "Accountable",
	consulted: "Consulted", informed: "Informed",
	sourcings: map[scope.Sourcing]string{scope.InHouse: "in-house", scope.Outsourced: "outsourced"},
	classes: map[scope.Class]string{
		scope.PublicServer: "public server", scope.InternalServer: "internal server", scope.UserPC: "user PC",
	},
	phases: map[scope.Phase]string{
		scope.Detection: "Detection", scope.Triage: "Triage", scope.FirstResponse: "First response",
		scope.Analysis: "Analysis", scope.Response: "Response",
	},

	criteria: "Criteria", severities: "Severity levels", severity: "Severity",
	description: "Description", actions: "Required actions",
	firstResponseTarget: "First response within", responseTarget: "Response within",
	triage: "Triage", triaged: "yes", notTriaged: "no",
	threshold: "Alerts at severity %s or above are triaged.",
	actionNames: map[criteria.Action]string{
		criteria.ImpactIdentification:    "impact identification",
		criteria.Containment:             "containment",
		criteria.CompromiseInvestigation: "compromise investigation",
		criteria.Forensics:               "forensics",
	},
	detections: "Detection rules", detection: "Detection", source: "Source",
	condition: "Condition", confirm: "Confirmation",
	confirmText: "run process %s; declare the incident only if %s",
	playbook:    "Playbook",

	fields: "Fields", fieldType: "Type", list: "list of",

	playbooks: "Playbooks", playbookIncidents: "Incidents", playbookInputs: "Inputs from the alert",
	start: "Start", flow: "Flow",
	targets: map[playbook.Target]string{playbook.Host: "On the alerted host", playbook.Fleet: "Across the fleet"},
	process: "Process", next: "Next", otherwise: "otherwise", otherwiseItem: "Otherwise", end: "End",
	when:    "If %s",
	stepRef: "step %d %s",

	processTable: "Process table", method: "Method", procedure: "Procedure",
	inputs: "Inputs", outputs: "Outputs", performedBy: "Performed by", estimate: "Estimate",
	manual: "a person", note: "Note",

	responses: "Responses", approval: "Approval", rollback: "Rollback", noApproval: "not needed",
	responsePhases: map[response.Phase]string{response.FirstResponse: "First response", response.Later: "Response"},

	policies: "Policies", rule: "Rule",

	isTrue: "%s: yes", isFalse: "%s: no", known: "%s known", unknown: "%s unknown",
	some: "%s: one or more", noneOf: "%s: none", count: "%s %s %d", between: "%s: %d to %d", and: " and ", or: " or ",
	notIncident: "not an incident",

	summary: "Summary", whenFires: "When this alert fires", startHere: "Start here: when this alert fires →", confirmFirst: "Confirm first",
	triagedBy: "Triaged by", approvedBy: "Containment approved by", performer: "Carried out by",
	decision: "Decision", goTo: "→",
	contents: "Contents", notTriagedCard: "Below the triage threshold: not triaged", notTriagedCell: "not triaged",

	sep: ", ", quoted: "“%s”", quoteSep: " ", none: "—",
}

var japanese = words{
	version: "バージョン",

	scope: "範囲", parties: "体制", domains: "領域", systems: "システム",
	incidents: "インシデント", responsibilities: "対応の範囲 (役割分担)",
	id: "ID", name: "名称", purpose: "目的", solutions: "ソリューション", class: "分類",
	kinds: "種類", threats: "脅威", notes: "備考", domain: "領域",
	covered: "対象", sourcing: "区分", references: "参照",
	inScope: "対象", outOfScope: "対象外",
	phase: "フェーズ", responsible: "実施 (R)", accountable: "責任 (A)",
	consulted: "協議 (C)", informed: "報告 (I)",
	sourcings: map[scope.Sourcing]string{scope.InHouse: "自社", scope.Outsourced: "外部委託"},
	classes: map[scope.Class]string{
		scope.PublicServer: "公開サーバ", scope.InternalServer: "内部サーバ", scope.UserPC: "ユーザPC",
	},
	phases: map[scope.Phase]string{
		scope.Detection: "検知", scope.Triage: "トリアージ", scope.FirstResponse: "一次対応",
		scope.Analysis: "解析", scope.Response: "対応",
	},

	criteria: "クライテリア", severities: "重要度", severity: "重要度",
	description: "説明", actions: "必要な対応",
	firstResponseTarget: "一次対応の目標時間", responseTarget: "対応の目標時間",
	triage: "トリアージ", triaged: "実施", notTriaged: "なし",
	threshold: "重要度 %s 以上のアラートはトリアージを実施する。",
	actionNames: map[criteria.Action]string{
		criteria.ImpactIdentification:    "影響範囲の特定",
		criteria.Containment:             "封じ込め",
		criteria.CompromiseInvestigation: "侵害調査",
		criteria.Forensics:               "フォレンジック",
	},
	detections: "検知ルール", detection: "検知", source: "検知元",
	condition: "条件", confirm: "確認",
	confirmText: "プロセス %s を実施し、%s の場合のみインシデントと判断する",
	playbook:    "プレイブック",

	fields: "データ項目", fieldType: "型", list: "リスト:",

	playbooks: "プレイブック", playbookIncidents: "対象インシデント", playbookInputs: "アラートからの入力",
	start: "開始", flow: "フロー",
	targets: map[playbook.Target]string{playbook.Host: "該当端末内", playbook.Fleet: "該当端末外"},
	process: "プロセス", next: "次へ", otherwise: "それ以外", otherwiseItem: "それ以外", end: "終了",
	when:    "%sの場合",
	stepRef: "手順 %d%s",

	processTable: "プロセス表", method: "メソッド", procedure: "手順",
	inputs: "入力", outputs: "出力", performedBy: "実行", estimate: "目安時間",
	manual: "手作業", note: "備考",

	responses: "一次対応・対応", approval: "承認", rollback: "切り戻し", noApproval: "不要",
	responsePhases: map[response.Phase]string{response.FirstResponse: "一次対応", response.Later: "対応"},

	policies: "運用ルール", rule: "ルール",

	isTrue: "%s: はい", isFalse: "%s: いいえ", known: "%sあり", unknown: "%sなし",
	some: "%sあり", noneOf: "%sなし", count: "%s %s %d件", between: "%s %d〜%d件", and: " かつ ", or: " または ",
	notIncident: "インシデントではない",

	summary: "事前準備のまとめ", whenFires: "このアラートが来たら", startHere: "まずここから: このアラートが来たら →", confirmFirst: "最初に確認",
	triagedBy: "トリアージ", approvedBy: "封じ込めの承認", performer: "実施",
	decision: "判断", goTo: "→",
	contents: "目次", notTriagedCard: "トリアージ閾値未満: トリアージしない", notTriagedCell: "トリアージしない",

	sep: "、", quoted: "「%s」", quoteSep: "", none: "—",
}

// wordsFor returns the words for a BCP 47 language tag: Japanese for "ja"
// and its subtags, English otherwise.
func wordsFor(language string) *words {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(language)), "-")
	if primary == "ja" {
		return &japanese
	}
	return &english
}

// or returns m[k], or k itself when m has no entry for it.
func or[K ~string](m map[K]string, k K) string {
	if s, ok := m[k]; ok {
		return s
	}
	return string(k)
}

// ifCond is a condition in words after w.when ("If %s"): the
// description of src with its first letter in lower case, since a field's
// name is written as a sentence ("The user did not make the sign-in").
func (w *words) ifCond(d *secops.Design, src string) string {
	return fmt.Sprintf(w.when, lowerFirst(describe(d, w, src)))
}

// lowerFirst lower-cases the first letter of s unless the word it begins
// is an acronym ("EDR", "IP").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
