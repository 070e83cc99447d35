package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics, on a registry of their own
// (no global state).
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	store     *prometheus.HistogramVec
	takeovers prometheus.Counter
}

// Gauges reads what the gauges show, at scrape time.
type Gauges func(ctx context.Context) (activeSessions, streams int, err error)

// NewMetrics registers Segue's metrics. gauges may be nil.
func NewMetrics(gauges Gauges) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "segue_http_requests_total",
			Help: "HTTP requests answered, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segue_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segue_store_transaction_duration_seconds",
			Help:    "Time a store transaction took, commit included, by kind (read or write).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"kind"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "segue_stream_takeovers_total",
			Help: "Streams taken over by another device of the same account.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.store, m.takeovers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if gauges != nil {
		m.reg.MustRegister(gaugeCollector{gauges})
	}
	return m
}

// ObserveStore records one store transaction.
func (m *Metrics) ObserveStore(kind string, d time.Duration) {
	m.store.WithLabelValues(kind).Observe(d.Seconds())
}

// TakeOver counts one stream takeover.
func (m *Metrics) TakeOver() { m.takeovers.Inc() }

func (m *Metrics) observe(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched" // keep the label set bounded
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	activeDesc  = prometheus.NewDesc("segue_active_sessions", "Sessions with activity in the last 30 minutes.", nil, nil)
	streamsDesc = prometheus.NewDesc("segue_streams", "Streams held now, over all accounts.", nil, nil)
)

// gaugeCollector reads the gauges from the store when scraped.
type gaugeCollector struct{ read Gauges }

func (g gaugeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- activeDesc
	ch <- streamsDesc
}

func (g gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	active, streams, err := g.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(activeDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(activeDesc, prometheus.GaugeValue, float64(active))
	ch <- prometheus.MustNewConstMetric(streamsDesc, prometheus.GaugeValue, float64(streams))
}
