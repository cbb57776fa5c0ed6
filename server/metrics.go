package server

import (
	"context"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg           *prometheus.Registry
	runs          *prometheus.GaugeVec
	waiting       *prometheus.GaugeVec
	firstResponse *prometheus.HistogramVec
	breaches      *prometheus.CounterVec
	calls         *prometheus.CounterVec
	callErrors    *prometheus.CounterVec
	callSeconds   *prometheus.HistogramVec
	rejected      prometheus.Counter
	handler       http.Handler
	mu            sync.Mutex // orders the gauges' updates of one run
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.runs = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "secops_runs", Help: "Runs in the store by status, incident and severity."},
		[]string{"status", "incident", "severity"})
	m.waiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "secops_runs_waiting", Help: "Runs waiting, by the party they wait on (an approval's party, or the party responsible for a task's phase)."},
		[]string{"party"})
	m.firstResponse = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "secops_first_response_seconds",
		Help:    "Time from a run's start to the completion of its response, by severity.",
		Buckets: []float64{1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400}}, []string{"severity"})
	m.breaches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "secops_target_breaches_total", Help: "Responses completed after their severity's target, by severity."},
		[]string{"severity"})
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "secops_adapter_calls_total", Help: "Adapter calls, by action."}, []string{"action"})
	m.callErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "secops_adapter_errors_total", Help: "Adapter calls that failed, by action."}, []string{"action"})
	m.callSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "secops_adapter_call_seconds", Help: "Adapter call latency, by action.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"action"})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{Name: "secops_alerts_rejected_total", Help: "Alerts refused with 503 because every worker was busy and the queue full."})
	m.reg.MustRegister(m.runs, m.waiting, m.firstResponse, m.breaches, m.calls, m.callErrors, m.callSeconds, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// load counts the runs already in the store, a page of summaries at a
// time.
func (m *metrics) load(ctx context.Context, s runstore.Store, party func(*executor.Pending) ident.ID) error {
	q := runstore.Query{Limit: runstore.MaxLimit}
	for {
		page, err := s.List(ctx, q)
		if err != nil {
			return err
		}
		for i := range page.Runs {
			m.add(&page.Runs[i], 1, party)
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}

func (m *metrics) add(sum *runstore.Summary, n float64, party func(*executor.Pending) ident.ID) {
	m.runs.WithLabelValues(string(sum.Status), string(sum.Incident), string(sum.Severity)).Add(n)
	if sum.Status == executor.Waiting {
		m.waiting.WithLabelValues(string(party(sum.Pending))).Add(n)
	}
}

// observe counts the change of a run from old (nil for a new run, whose
// events began at 0) to rec.
func (m *metrics) observe(old *runstore.Summary, rec *executor.Record, events int, party func(*executor.Pending) ident.ID) {
	now := runstore.Summarize(rec)
	m.mu.Lock()
	if old != nil {
		m.add(old, -1, party)
	}
	m.add(&now, 1, party)
	m.mu.Unlock()
	for _, ev := range rec.Events[min(events, len(rec.Events)):] {
		switch ev.Kind {
		case executor.EvResponseComplete:
			m.firstResponse.WithLabelValues(string(rec.Severity)).Observe(ev.Time.Sub(rec.Started).Seconds())
		case executor.EvBreach:
			m.breaches.WithLabelValues(string(rec.Severity)).Inc()
		}
	}
}

// call is the adapters.Audit hook: every adapter call.
func (m *metrics) call(e adapters.AuditEntry) {
	action := e.Adapter + "." + e.Operation
	m.calls.WithLabelValues(action).Inc()
	m.callSeconds.WithLabelValues(action).Observe(e.Duration.Seconds())
	if e.Error != "" {
		m.callErrors.WithLabelValues(action).Inc()
	}
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request, _ *Token) *Problem {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}
