package server

import (
	"strings"

	"github.com/secopsdesign/secops/executor"
)

// words are the page's texts in one language.
type words struct {
	Lang, Title, SignIn, Token, SignOut, Waiting, NoneWaiting, Recent, Run, Status, Incident, Severity, Started  string
	Approve, Reject, Approval, Response, Methods, Rollback, Task, Procedure, Outputs, Send, Timeline, SignedInAs string
	Party, Back, Error, NoRollback, OnePerLine, Yes, No                                                          string

	// The card (card.go).
	Playbook, ActsOn, Gathered, TimeLeft, Breached, OnlyWhen, ByPerson string
	// Left and BreachedAgo take a duration ("1h 59m"); BreachedLate is a
	// breach recorded when the response completed late.
	Left, BreachedAgo, BreachedLate, NotKnown, NoneFound string
	FirstResponse, ResponseTarget                        string
	// Statuses are the runs' statuses in words; WaitingApproval and
	// WaitingTask say what a waiting run waits for.
	Statuses                     map[executor.Status]string
	WaitingApproval, WaitingTask string
	// RolledBack follows the status of a run whose containment was
	// rolled back.
	RolledBack string
}

var english = words{Lang: "en", Title: "secops: runs", SignIn: "Sign in", Token: "Token", SignOut: "Sign out",
	Waiting: "Waiting on you", NoneWaiting: "No run waits on you.", Recent: "Recent runs", Run: "Run", Status: "Status",
	Incident: "Incident", Severity: "Severity", Started: "Started", Approve: "Approve", Reject: "Reject",
	Approval: "Approval of the response", Response: "Response", Methods: "Method", Rollback: "Rollback",
	Task: "Task", Procedure: "Procedure", Outputs: "Outputs", Send: "Send", Timeline: "Timeline",
	SignedInAs: "Signed in as", Party: "Party", Back: "All runs", Error: "Not done", NoRollback: "none",
	OnePerLine: "one per line", Yes: "yes", No: "no",
	Playbook: "Playbook", ActsOn: "Acts on", Gathered: "Found so far", TimeLeft: "Target", Breached: "TARGET BREACHED",
	OnlyWhen: "only when", ByPerson: "done by a person",
	Left: "%s left", BreachedAgo: "passed %s ago", BreachedLate: "the response completed after the target",
	NotKnown: "not known yet", NoneFound: "none found",
	FirstResponse: "First response", ResponseTarget: "Response",
	Statuses: map[executor.Status]string{executor.Running: "Running", executor.Waiting: "Waiting", executor.Interrupted: "Interrupted",
		executor.Completed: "Completed", executor.Failed: "Failed", executor.NoIncident: "No incident (not confirmed)",
		executor.NotTriaged: "Below the triage threshold"},
	WaitingApproval: "Waiting for an approval", WaitingTask: "Waiting for a person's task", RolledBack: ", rolled back"}

var japanese = words{Lang: "ja", Title: "secops: ラン一覧", SignIn: "サインイン", Token: "トークン", SignOut: "サインアウト",
	Waiting: "あなたの対応待ち", NoneWaiting: "対応待ちのランはありません。", Recent: "最近のラン", Run: "ラン", Status: "状態",
	Incident: "インシデント", Severity: "重大度", Started: "開始", Approve: "承認", Reject: "却下",
	Approval: "対応の承認", Response: "対応", Methods: "方法", Rollback: "切り戻し",
	Task: "作業", Procedure: "手順", Outputs: "結果", Send: "送信", Timeline: "経過",
	SignedInAs: "サインイン中", Party: "担当", Back: "ラン一覧", Error: "実行できませんでした", NoRollback: "なし",
	OnePerLine: "1行に1つ", Yes: "はい", No: "いいえ",
	Playbook: "プレイブック", ActsOn: "対象", Gathered: "これまでの調査結果", TimeLeft: "目標時間", Breached: "目標時間超過",
	OnlyWhen: "実施条件", ByPerson: "担当者が実施",
	Left: "残り %s", BreachedAgo: "期限から %s 経過", BreachedLate: "対応の完了が目標時間を過ぎました",
	NotKnown: "未判明", NoneFound: "該当なし",
	FirstResponse: "初動対応", ResponseTarget: "対応完了",
	Statuses: map[executor.Status]string{executor.Running: "実行中", executor.Waiting: "対応待ち", executor.Interrupted: "中断",
		executor.Completed: "完了", executor.Failed: "失敗", executor.NoIncident: "インシデントではない (確認で否定)",
		executor.NotTriaged: "トリアージ対象外"},
	WaitingApproval: "承認待ち", WaitingTask: "作業待ち", RolledBack: " (切り戻し済み)"}

// wordsFor returns the page's texts for a design's language: Japanese
// for ja, English otherwise, as the runbook does.
func wordsFor(lang string) *words {
	if l := strings.ToLower(lang); l == "ja" || strings.HasPrefix(l, "ja-") {
		return &japanese
	}
	return &english
}

// status says where rec stands, in words: what a waiting run waits for.
func (w *words) status(rec *executor.Record) string {
	if rec.Status == executor.Waiting && rec.Pending != nil {
		if rec.Pending.Method == "" {
			return w.WaitingApproval
		}
		return w.WaitingTask
	}
	return w.statusText(rec.Status)
}

// statusText is a status in words; one the page does not know, as it is.
func (w *words) statusText(s executor.Status) string {
	if t, ok := w.Statuses[s]; ok {
		return t
	}
	return string(s)
}

// target is a target's name in words.
func (w *words) target(name string) string {
	switch name {
	case executor.FirstResponseTarget:
		return w.FirstResponse
	case executor.ResponseTarget:
		return w.ResponseTarget
	}
	return name
}
