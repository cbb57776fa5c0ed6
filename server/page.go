package server

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/runstore"
)

// SessionCookie is the name of the page's sign-in cookie.
const SessionCookie = "secops_session"

// sessionTTL is how long a sign-in lasts.
const sessionTTL = 12 * time.Hour

//go:embed page.html
var pageFS embed.FS

// session is a signed-in person: the token they signed in with (never
// the token itself) and the CSRF token their forms carry.
type session struct {
	tok     *Token
	csrf    string
	expires time.Time
}

type pageState struct {
	tmpl     *template.Template
	mu       sync.Mutex
	sessions map[string]*session
}

func newPageState() (*pageState, error) {
	t, err := template.New("page.html").Funcs(template.FuncMap{
		"time": func(t time.Time) string { return t.Format("2006-01-02 15:04:05 MST") },
		"runArgs": func(v *view, r any) runArgs {
			if p, ok := r.(*runView); ok {
				return runArgs{V: v, R: *p}
			}
			return runArgs{V: v, R: r.(runView)}
		},
	}).ParseFS(pageFS, "page.html")
	if err != nil {
		return nil, err
	}
	return &pageState{tmpl: t, sessions: map[string]*session{}}, nil
}

func randomString() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Server) pageRoutes(m *http.ServeMux) {
	m.Handle("GET /{$}", s.logged(http.HandlerFunc(s.pageIndex)))
	m.Handle("GET /runs/{id}", s.logged(http.HandlerFunc(s.pageRun)))
	m.Handle("POST /signin", s.logged(http.HandlerFunc(s.pageSignIn)))
	m.Handle("POST /signout", s.logged(http.HandlerFunc(s.pageSignOut)))
	for _, o := range []op{opApprove, opReject, opAnswers} {
		m.Handle("POST /runs/{id}/"+string(o), s.logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.pageAct(w, r, o) })))
	}
}

// current returns the request's session: from its cookie, or, on a
// server without tokens, a new one for "local".
func (s *Server) current(w http.ResponseWriter, r *http.Request) *session {
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.page.mu.Lock()
		ses := s.page.sessions[c.Value]
		if ses != nil && time.Now().After(ses.expires) {
			delete(s.page.sessions, c.Value)
			ses = nil
		}
		s.page.mu.Unlock()
		if ses != nil {
			setActor(r, ses.tok.Name)
			return ses
		}
	}
	if s.tokens == nil {
		return s.startSession(w, local)
	}
	return nil
}

func (s *Server) startSession(w http.ResponseWriter, tok *Token) *session {
	id := randomString()
	ses := &session{tok: tok, csrf: randomString(), expires: time.Now().Add(sessionTTL)}
	s.page.mu.Lock()
	for k, old := range s.page.sessions { // drop the expired
		if time.Now().After(old.expires) {
			delete(s.page.sessions, k)
		}
	}
	s.page.sessions[id] = ses
	s.page.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", MaxAge: int(sessionTTL / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return ses
}

// view is what the template shows.
type view struct {
	W       *words
	Design  string
	Session *session
	CSRF    string
	Name    string
	Parties string
	Waiting []runView
	Recent  []recentRow
	Run     *runView
	Error   string
	Status  int
}

// runView is a run as the page shows it.
type runView struct {
	Rec        *executor.Record
	Card       Card
	Party      ident.ID
	Approval   bool
	Task       *process.Method
	Inputs     []inputView
	CanApprove bool
	CanAnswer  bool
}

// runArgs are a run and the page, for the run template.
type runArgs struct {
	V *view
	R runView
}

type inputView struct {
	ID, Name, Kind string
	List           bool
}

func (s *Server) render(w http.ResponseWriter, v *view) {
	v.W = s.words
	v.Design = s.plan.Design().Metadata.Title
	if v.Design == "" {
		v.Design = string(s.plan.Design().Metadata.Name)
	}
	if v.Session != nil {
		v.CSRF, v.Name, v.Parties = v.Session.csrf, v.Session.tok.Name, joinIDs(v.Session.tok.Parties)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if v.Status != 0 {
		w.WriteHeader(v.Status)
	}
	if err := s.page.tmpl.Execute(w, v); err != nil {
		s.log.Error("page", "error", err)
	}
}

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) {
	ses := s.current(w, r)
	v := &view{Session: ses}
	if ses == nil {
		s.render(w, v)
		return
	}
	ctx := r.Context()
	page, err := s.runs.List(ctx, runstore.Query{Status: []executor.Status{executor.Waiting}, Limit: 100})
	if err != nil {
		v.Error, v.Status = err.Error(), http.StatusInternalServerError
		s.render(w, v)
		return
	}
	for _, sum := range page.Runs {
		party := s.waitingParty(sum.Pending)
		if ses.tok != local && !ses.tok.ActsFor(party) && party != "" {
			continue
		}
		rec, p := s.load(ctx, sum.ID)
		if p != nil || rec.Status != executor.Waiting {
			continue // changed since listed
		}
		// Visibility's summaries do not say what a run waits on.
		if party := s.waitingParty(rec.Pending); ses.tok != local && !ses.tok.ActsFor(party) && party != "" {
			continue
		}
		v.Waiting = append(v.Waiting, s.runView(rec, ses.tok))
	}
	recent, err := s.runs.List(ctx, runstore.Query{Limit: 20})
	if err == nil {
		for _, sum := range recent.Runs {
			v.Recent = append(v.Recent, newRecentRow(s.plan, sum, s.words))
		}
	}
	s.render(w, v)
}

func (s *Server) pageRun(w http.ResponseWriter, r *http.Request) {
	ses := s.current(w, r)
	v := &view{Session: ses}
	if ses == nil {
		s.render(w, v)
		return
	}
	rec, p := s.load(r.Context(), r.PathValue("id"))
	if p != nil {
		v.Error, v.Status = p.Detail, p.Status
		s.render(w, v)
		return
	}
	rv := s.runView(rec, ses.tok)
	v.Run = &rv
	s.render(w, v)
}

func (s *Server) runView(rec *executor.Record, tok *Token) runView {
	rv := runView{Rec: rec, Card: newCard(s.plan, rec, time.Now(), s.words)}
	p := rec.Pending
	if rec.Status != executor.Waiting || p == nil {
		return rv
	}
	d := s.plan.Design()
	rv.Party = s.waitingParty(p)
	rv.Card.Party = partyNamed(d, rv.Party)
	acts := tok == local || rv.Party == "" || tok.ActsFor(rv.Party)
	if p.Method == "" {
		rv.Approval = true
		rv.CanApprove = acts && tok.Has(Approve)
		return rv
	}
	rv.Task = s.plan.Method(p.Method)
	rv.CanAnswer = acts && tok.Has(Answer)
	for _, id := range p.Outputs {
		in := inputView{ID: string(id), Name: string(id), Kind: "text"}
		if f := d.Field(id); f != nil {
			in.Name, in.List = f.Name, f.List
			switch f.Type {
			case process.Bool:
				in.Kind = "bool"
			case process.Int, process.Port:
				in.Kind = "number"
			}
		}
		rv.Inputs = append(rv.Inputs, in)
	}
	return rv
}

func (s *Server) pageSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if s.tokens == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	tok, ok := s.tokens.Lookup(strings.TrimSpace(r.PostFormValue("token")))
	if !ok {
		s.render(w, &view{Error: "the token is not valid", Status: http.StatusUnauthorized})
		return
	}
	setActor(r, tok.Name)
	s.startSession(w, tok)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) pageSignOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.page.mu.Lock()
		ses := s.page.sessions[c.Value]
		if ses != nil && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ses.csrf)) == 1 {
			delete(s.page.sessions, c.Value)
		}
		s.page.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// pageAct takes a form's approval, rejection or outputs.
func (s *Server) pageAct(w http.ResponseWriter, r *http.Request, o op) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	ses := s.current(w, r)
	if ses == nil {
		s.render(w, &view{Error: "sign in first", Status: http.StatusUnauthorized})
		return
	}
	if err := r.ParseForm(); err != nil {
		s.render(w, &view{Session: ses, Error: err.Error(), Status: http.StatusBadRequest})
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ses.csrf)) != 1 {
		s.render(w, &view{Session: ses, Error: "the form is stale or not from this page (CSRF token): reload and try again", Status: http.StatusForbidden})
		return
	}
	role := Approve
	if o == opAnswers {
		role = Answer
	}
	if !ses.tok.Has(role) {
		s.render(w, &view{Session: ses, Error: fmt.Sprintf("token %s does not have the %s role", ses.tok.Name, role), Status: http.StatusForbidden})
		return
	}
	id := r.PathValue("id")
	var body answerBody
	if o == opAnswers {
		outs, err := s.formOutputs(r, ident.Number(r.PostFormValue("method")))
		if err != nil {
			s.render(w, &view{Session: ses, Error: err.Error(), Status: http.StatusUnprocessableEntity})
			return
		}
		body.Outputs = outs
	}
	if _, p := s.act(r.Context(), id, o, ses.tok, body); p != nil {
		s.render(w, &view{Session: ses, Error: p.Title + ": " + p.Detail, Status: p.Status})
		return
	}
	http.Redirect(w, r, "/runs/"+id, http.StatusSeeOther)
}

// formOutputs reads a task's outputs from its form, typed by the design's
// fields: out.FIELD holds each, lists one value a line.
func (s *Server) formOutputs(r *http.Request, method ident.Number) (map[ident.Number]map[string]any, error) {
	m := s.plan.Method(method)
	if m == nil {
		return nil, fmt.Errorf("method %q: the design has no such method", method)
	}
	outs := map[string]any{}
	var errs []error
	for _, id := range m.Outputs {
		raw := r.PostFormValue("out." + string(id))
		f := s.plan.Design().Field(id)
		if f == nil {
			outs[string(id)] = raw
			continue
		}
		if f.List {
			list := []any{}
			for line := range strings.Lines(raw) {
				if line = strings.TrimSpace(line); line != "" {
					v, err := formValue(f.Type, line)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
					}
					list = append(list, v)
				}
			}
			outs[string(id)] = list
			continue
		}
		v, err := formValue(f.Type, strings.TrimSpace(raw))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
		}
		outs[string(id)] = v
	}
	return map[ident.Number]map[string]any{method: outs}, errors.Join(errs...)
}

func formValue(t process.Type, s string) (any, error) {
	switch t {
	case process.Bool:
		return strconv.ParseBool(s)
	case process.Int, process.Port:
		n, err := strconv.ParseInt(s, 10, 64)
		return float64(n), err
	}
	return s, nil
}
