package server

import "strings"

// words are the page's texts in one language.
type words struct {
	Lang, Title, SignIn, Token, SignOut, Waiting, NoneWaiting, Recent, Run, Status, Incident, Severity, Started  string
	Approve, Reject, Approval, Response, Methods, Rollback, Task, Procedure, Outputs, Send, Timeline, SignedInAs string
	Party, Back, Error, NoRollback, OnePerLine, Yes, No                                                          string
}

var english = words{Lang: "en", Title: "secops: runs", SignIn: "Sign in", Token: "Token", SignOut: "Sign out",
	Waiting: "Waiting on you", NoneWaiting: "No run waits on you.", Recent: "Recent runs", Run: "Run", Status: "Status",
	Incident: "Incident", Severity: "Severity", Started: "Started", Approve: "Approve", Reject: "Reject",
	Approval: "Approval of the response", Response: "Response", Methods: "Methods", Rollback: "Rollback",
	Task: "Task", Procedure: "Procedure", Outputs: "Outputs", Send: "Send", Timeline: "Timeline",
	SignedInAs: "Signed in as", Party: "Party", Back: "All runs", Error: "Not done", NoRollback: "none",
	OnePerLine: "one per line", Yes: "yes", No: "no"}

var japanese = words{Lang: "ja", Title: "secops: ラン一覧", SignIn: "サインイン", Token: "トークン", SignOut: "サインアウト",
	Waiting: "あなたの対応待ち", NoneWaiting: "対応待ちのランはありません。", Recent: "最近のラン", Run: "ラン", Status: "状態",
	Incident: "インシデント", Severity: "重大度", Started: "開始", Approve: "承認", Reject: "却下",
	Approval: "対応の承認", Response: "対応", Methods: "手順", Rollback: "切り戻し",
	Task: "作業", Procedure: "手順", Outputs: "結果", Send: "送信", Timeline: "経過",
	SignedInAs: "サインイン中", Party: "担当", Back: "ラン一覧", Error: "実行できませんでした", NoRollback: "なし",
	OnePerLine: "1行に1つ", Yes: "はい", No: "いいえ"}

// wordsFor returns the page's texts for a design's language: Japanese
// for ja, English otherwise, as the runbook does.
func wordsFor(lang string) *words {
	if l := strings.ToLower(lang); l == "ja" || strings.HasPrefix(l, "ja-") {
		return &japanese
	}
	return &english
}
