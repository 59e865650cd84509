package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The actions of deployments.
const (
	actionUpload   = "upload"   // a new version through the API (or promoc rulesets deploy)
	actionRollback = "rollback" // an earlier version made active again
	actionSeed     = "seed"     // the directory promoc serve was started with
)

// live is the rule set a server runs: its program and the engine made
// for it. A deployment, a rollback or an erasure makes a new one and puts
// it in Server.cur, with the gate closed (fence.go): the work in flight
// finishes on the engine it began with before the swap, and the work
// that comes meanwhile waits and takes the new. Two engines on one store at once are safe: it is the case of
// several processes (the store's versions, keys and budget rows keep them
// consistent, and a change that loses is decided again from the store).
type live struct {
	prog *runtime.Program
	eng  *engine.Engine
	// deployment is the store's deployment this runs (its Seq); 0 when
	// none was recorded.
	deployment int64
	// erasure is the store's last erasure when the engine was made: an
	// engine caches players, so a later erasure needs a new one.
	erasure int64
}

// running is the rule set running.
func (s *Server) running() *live { return s.cur.Load() }

// engine is the engine of the rule set running; the work that uses it
// holds it with use (fence.go).
func (s *Server) engine() *engine.Engine { return s.cur.Load().eng }

// program is the rule set running.
func (s *Server) program() *runtime.Program { return s.cur.Load().prog }

// engineOptions are the options of every engine the server makes: its
// BatchSize is MaxEvents, so that the events of one request are one
// transaction; its PageSize, unless the configuration sets one, is
// servePageSize; and the scheduler's jobs run under leases.
func (s *Server) engineOptions() engine.Options {
	eo := s.cfg.Engine
	eo.BatchSize = s.cfg.MaxEvents
	if eo.PageSize <= 0 {
		eo.PageSize = servePageSize
	}
	eo.Lease = s.lease
	return eo
}

// servePageSize is the engine's PageSize in the server, smaller than the
// engine's default, which is sized for throughput: one store transaction
// of a scheduled run or of the inactivity timers holds the writer for
// less. The requests that arrive meanwhile wait for the whole of Advance
// all the same (it holds the engine's calls from its start to its end),
// not for one page.
const servePageSize = 500

// install makes an engine for prog and runs it from now on. The caller
// holds s.swap and the gate for writing (fence.go), or is New.
func (s *Server) install(ctx context.Context, prog *runtime.Program, deployment, erasure int64) error {
	eng, err := engine.New(ctx, prog, s.st, s.engineOptions())
	if err != nil {
		return err
	}
	s.cur.Store(&live{prog: prog, eng: eng, deployment: deployment, erasure: erasure})
	s.forgetTracked() // the engine stored the rule set's offers (tracking.go)
	s.smet.running(prog.Version())
	return nil
}

// boot chooses the rule set the server starts with. The store's active
// version wins when it was deployed through the API (an upload or a
// rollback); otherwise (none, or a directory recorded at an earlier
// start) Config.Program runs, recorded as a seed deployment when
// Config.Seed holds its files and it is not the active version already.
// Without Config.Program, the store's active version runs, whatever made
// it.
func (s *Server) boot(ctx context.Context) error {
	var erasure int64
	if s.er != nil {
		var err error
		if erasure, err = s.er.LastErasure(ctx); err != nil {
			return err
		}
	}
	if s.rs == nil {
		if s.cfg.Program == nil {
			return errors.New("server: a program is required: the store keeps no rule set")
		}
		return s.install(ctx, s.cfg.Program, 0, erasure)
	}
	d, ok, err := s.rs.ActiveRuleSet(ctx)
	if err != nil {
		return err
	}
	if ok && (d.Action != actionSeed || s.cfg.Program == nil) {
		prog, err := s.compileStored(ctx, d.Hash)
		if err != nil {
			return fmt.Errorf("the active rule set version %s (deployment %d): %w", d.Hash, d.Seq, err)
		}
		attrs := []any{slog.String("rule_set_version", d.Hash), slog.Int64("deployment", d.Seq), slog.String("action", d.Action),
			slog.String("by", d.Actor), slog.Time("at", d.At)}
		if s.cfg.Program != nil && s.cfg.Program.Version() != d.Hash {
			s.log.Warn("running the rule set version deployed through the API, not the directory's: deploy the directory to run it",
				append(attrs, slog.String("directory_version", s.cfg.Program.Version()))...)
		} else {
			s.log.Info("running the rule set version active in the database", attrs...)
		}
		return s.install(ctx, prog, d.Seq, erasure)
	}
	if s.cfg.Program == nil {
		return errors.New("server: no rule set: give the directory of one, or deploy one into the database")
	}
	prog, dep := s.cfg.Program, int64(0)
	if ok {
		dep = d.Seq
	}
	if s.cfg.Seed != nil && (!ok || d.Hash != prog.Version()) {
		now := s.now()
		previous := ""
		if ok {
			previous = d.Hash
		}
		sd, err := Deploy(ctx, s.aud, store.RuleSetVersion{Hash: prog.Version(), Files: s.cfg.Seed, Uploaded: now, UploadedBy: "cli"},
			store.Deployment{At: now, Actor: "cli", Action: actionSeed}, previous, 0)
		if err != nil {
			return fmt.Errorf("recording the rule set: %w", err)
		}
		dep = sd.Seq
		s.log.Info("rule set recorded as deployed", slog.String("rule_set_version", prog.Version()), slog.Int64("deployment", dep))
	}
	return s.install(ctx, prog, dep, erasure)
}

// compileStored compiles a stored version.
func (s *Server) compileStored(ctx context.Context, hash string) (*runtime.Program, error) {
	return CompileStored(ctx, s.rs, hash)
}

// CompileStored compiles the rule set version hash stored in rs, as a
// server runs it: its rule files at the top of the version, none of a
// directory below.
func CompileStored(ctx context.Context, rs store.RuleSets, hash string) (*runtime.Program, error) {
	v, ok, err := rs.RuleSet(ctx, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", hash, store.ErrNoRuleSet)
	}
	var srcs []runtime.Source
	for _, f := range v.Files {
		if runtime.IsRuleFile(f.Name) && !strings.Contains(f.Name, "/") {
			srcs = append(srcs, runtime.Source{Name: f.Name, Text: f.Data})
		}
	}
	prog, err := runtime.CompileSources(srcs)
	if err != nil {
		return nil, err
	}
	if prog.Version() != hash {
		return nil, fmt.Errorf("its files give version %s", prog.Version())
	}
	return prog, nil
}

// watch follows, every Config.Poll, what other processes on the store
// change: a deployment (a new active version) or an erasure (players
// cached here may be gone). Either makes a new engine here; so a process
// runs another's deployment, and drops what it caches of an erased
// player, at most one Poll (plus the request in flight) after it.
func (s *Server) watch(ctx context.Context) {
	if s.rs == nil && s.er == nil {
		return
	}
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	var failed int64 // a deployment that does not compile here, reported once
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.refresh(ctx, &failed); err != nil && ctx.Err() == nil {
			s.log.Error("following the database's rule set", slog.String("error", err.Error()))
		}
	}
}

// refresh makes a new engine when the store's active deployment or last
// erasure is not the running one's.
func (s *Server) refresh(ctx context.Context, failed *int64) error {
	var d store.Deployment
	var ok bool
	var erasure int64
	var err error
	if s.rs != nil {
		if d, ok, err = s.rs.ActiveRuleSet(ctx); err != nil {
			return err
		}
	}
	if s.er != nil {
		if erasure, err = s.er.LastErasure(ctx); err != nil {
			return err
		}
	}
	// A deployment is new when it is later than the running one: a read
	// made before this process's own deployment or rollback (which holds
	// the swap lock while refresh waits for it) names an older one, which
	// must not replace it. Deployments' Seq increase.
	cur := s.running()
	newDeployment := ok && d.Seq > cur.deployment && d.Seq != *failed
	if !newDeployment && erasure == cur.erasure {
		return nil
	}
	s.swap.Lock()
	defer s.swap.Unlock()
	cur = s.running()
	prog, dep := cur.prog, cur.deployment
	if ok && d.Seq > cur.deployment && d.Seq != *failed {
		if d.Hash != prog.Version() {
			p, err := s.compileStored(ctx, d.Hash)
			if err != nil {
				*failed = d.Seq
				return fmt.Errorf("the rule set version %s deployed by %s (deployment %d) does not compile here; still running %s: %w",
					d.Hash, d.Actor, d.Seq, prog.Version(), err)
			}
			prog = p
		}
		dep = d.Seq
	}
	if dep == cur.deployment && erasure <= cur.erasure {
		return nil
	}
	s.fenced(func() { err = s.install(ctx, prog, dep, max(erasure, cur.erasure)) })
	if err != nil {
		return err
	}
	if dep != cur.deployment {
		s.log.Info("running the rule set version deployed in the database", slog.String("rule_set_version", prog.Version()),
			slog.Int64("deployment", dep), slog.String("action", d.Action), slog.String("by", d.Actor))
	}
	return nil
}

// ruleSetVersion is a stored version as the API lists it.
type ruleSetVersion struct {
	Version    string    `json:"version"`
	Active     bool      `json:"active"`
	Uploaded   time.Time `json:"uploaded"`
	UploadedBy string    `json:"uploaded_by"`
	// Deployed is the last time it was made active, by DeployedBy.
	Deployed   time.Time `json:"deployed"`
	DeployedBy string    `json:"deployed_by"`
}

// deployment is a deployment as the API shows it.
type deployment struct {
	Seq     int64     `json:"seq"`
	Version string    `json:"version"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
}

func deploymentOf(d store.Deployment) deployment {
	return deployment{Seq: d.Seq, Version: d.Hash, At: d.At.UTC(), Actor: d.Actor, Action: d.Action}
}

// allDeployments reads every deployment of rs, in order.
func allDeployments(ctx context.Context, rs store.RuleSets) ([]store.Deployment, error) {
	var all []store.Deployment
	var after int64
	for {
		ds, err := rs.Deployments(ctx, after, pageLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, ds...)
		if len(ds) < pageLimit {
			return all, nil
		}
		after = ds[len(ds)-1].Seq
	}
}

func (s *Server) noRuleSets() error {
	return errorf(http.StatusNotFound, CodeNotFound, "this server's store keeps no rule set versions")
}

// getRuleSets lists the stored versions, the running one and the
// deployments.
func (s *Server) getRuleSets(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if s.rs == nil {
		return 0, nil, s.noRuleSets()
	}
	vs, err := s.rs.RuleSetVersions(ctx)
	if err != nil {
		return 0, nil, err
	}
	ds, err := allDeployments(ctx, s.rs)
	if err != nil {
		return 0, nil, err
	}
	last := map[string]store.Deployment{}
	for _, d := range ds {
		last[d.Hash] = d
	}
	active := ""
	if len(ds) > 0 {
		active = ds[len(ds)-1].Hash
	}
	out := struct {
		Active      string           `json:"active"`
		Running     string           `json:"running"`
		Versions    []ruleSetVersion `json:"versions"`
		Deployments []deployment     `json:"deployments"`
	}{Active: active, Running: s.program().Version(), Versions: []ruleSetVersion{}, Deployments: []deployment{}}
	for _, v := range vs {
		d := last[v.Hash]
		out.Versions = append(out.Versions, ruleSetVersion{Version: v.Hash, Active: v.Hash == active, Uploaded: v.Uploaded.UTC(),
			UploadedBy: v.UploadedBy, Deployed: d.At.UTC(), DeployedBy: d.Actor})
	}
	for _, d := range ds {
		out.Deployments = append(out.Deployments, deploymentOf(d))
	}
	return http.StatusOK, out, nil
}

// deployResponse is the answer to a deployment or a rollback.
type deployResponse struct {
	Version string `json:"version"`
	// Changed is false when the version was active already: nothing was
	// recorded.
	Changed    bool         `json:"changed"`
	Previous   string       `json:"previous"`
	Deployment *deployment  `json:"deployment,omitempty"`
	Tests      int          `json:"tests"` // the tests run, all passed
	Files      []string     `json:"files"`
	Ignored    []string     `json:"ignored"`
	Warnings   []diagnostic `json:"warnings"`
}

// postRuleSet deploys a rule set: its files are parsed, checked and
// tested (CheckRuleSet) before anything changes; then its engine is made,
// the version stored and made active, and the requests from now on run
// it.
func (s *Server) postRuleSet(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if s.rs == nil {
		return 0, nil, s.noRuleSets()
	}
	files, err := ruleSetBody(q)
	if err != nil {
		return 0, nil, err
	}
	c, err := CheckRuleSet(ctx, files)
	if err != nil {
		return 0, nil, err
	}
	out := deployResponse{Version: c.Version(), Tests: c.Tests, Ignored: c.Ignored, Warnings: diagnosticsOf(c.Warnings)}
	for _, f := range c.Files {
		out.Files = append(out.Files, f.Name)
	}
	if out.Ignored == nil {
		out.Ignored = []string{}
	}
	now := s.now()
	v := store.RuleSetVersion{Hash: c.Version(), Files: c.Files, Uploaded: now, UploadedBy: q.who.id}
	return s.activate(ctx, q, c.Program, v, actionUpload, out)
}

// activate makes prog, of version v, the running rule set and records its
// deployment, unless it is the active one already.
func (s *Server) activate(ctx context.Context, q *request, prog *runtime.Program, v store.RuleSetVersion, action string, out deployResponse) (int, any, error) {
	s.swap.Lock()
	defer s.swap.Unlock()
	cur := s.running()
	out.Previous = cur.prog.Version()
	active, ok, err := s.rs.ActiveRuleSet(ctx)
	if err != nil {
		return 0, nil, err
	}
	if ok && active.Hash == v.Hash && cur.prog.Version() == v.Hash {
		return http.StatusOK, out, nil
	}
	// The engine first: it opens the budgets of new campaigns, and a
	// failure here records nothing.
	eng, err := engine.New(ctx, prog, s.st, s.engineOptions())
	if err != nil {
		return 0, nil, err
	}
	// The deployment is recorded and the engine swapped with the gate
	// closed: the outcomes stored after the record are the new version's.
	var d store.Deployment
	s.fenced(func() {
		d, err = Deploy(ctx, s.aud, v, store.Deployment{At: s.now(), Actor: q.who.id, Action: action}, out.Previous, out.Tests)
		if err == nil {
			s.cur.Store(&live{prog: prog, eng: eng, deployment: d.Seq, erasure: cur.erasure})
		}
	})
	if err != nil {
		return 0, nil, err
	}
	s.forgetTracked() // the engine stored the rule set's offers (tracking.go)
	s.smet.running(prog.Version())
	dep := deploymentOf(d)
	out.Changed, out.Deployment = true, &dep
	s.log.Info("rule set deployed", slog.String("rule_set_version", v.Hash), slog.String("action", action),
		slog.Int64("deployment", d.Seq), slog.String("key", q.who.id))
	return http.StatusOK, out, nil
}

// postRollback makes a stored version active again: the one named
// ({"version": "sha256:..."}), or the one active before the active one.
// Its rules are compiled and its tests run again, as the promoc running
// now judges them.
func (s *Server) postRollback(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if s.rs == nil {
		return 0, nil, s.noRuleSets()
	}
	var in struct {
		Version string `json:"version"`
	}
	if err := decodeBody(q.body, &in); err != nil {
		return 0, nil, err
	}
	v, err := RollbackVersion(ctx, s.rs, in.Version)
	if err != nil {
		return 0, nil, err
	}
	c, err := CheckRuleSet(ctx, FilesOf(v.Files))
	if err != nil {
		return 0, nil, err
	}
	out := deployResponse{Version: v.Hash, Tests: c.Tests, Ignored: []string{}, Warnings: diagnosticsOf(c.Warnings)}
	for _, f := range c.Files {
		out.Files = append(out.Files, f.Name)
	}
	return s.activate(ctx, q, c.Program, store.RuleSetVersion{Hash: v.Hash}, actionRollback, out)
}

// Version is the version of the rule set the server runs now.
func (s *Server) Version() string { return s.program().Version() }

// Deploy records a deployment of version v (its files stored unless its
// hash is) and its entry in the audit log, ruleset.ACTION by d.Actor with
// the previous version and the tests run, in one transaction of aud: what
// POST /v1/rulesets, a rollback, a seed and promoc rulesets record. It
// changes no running server: each follows the store's active deployment
// within its Poll.
func Deploy(ctx context.Context, aud store.Audited, v store.RuleSetVersion, d store.Deployment, previous string, tests int) (store.Deployment, error) {
	var out store.Deployment
	_, err := aud.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		rs, ok := tx.(store.RuleSets)
		if !ok {
			return store.AuditEntry{}, fmt.Errorf("the store's transaction (%T) keeps no rule sets", tx)
		}
		var err error
		if out, err = rs.Deploy(ctx, v, d); err != nil {
			return store.AuditEntry{}, err
		}
		before := []byte("null")
		if previous != "" {
			before, _ = json.Marshal(map[string]any{"version": previous})
		}
		after, err := json.Marshal(map[string]any{"version": v.Hash, "deployment": out.Seq, "tests": tests})
		return store.AuditEntry{At: d.At, Actor: d.Actor, Action: "ruleset." + d.Action, Target: v.Hash, Before: before, After: after}, err
	})
	if err != nil {
		return store.Deployment{}, err
	}
	return out, nil
}

// RollbackVersion is the stored version a rollback makes active: the one
// named, or, for "", the one active before the active one. An [*Error]
// 404 when there is none.
func RollbackVersion(ctx context.Context, rs store.RuleSets, version string) (store.RuleSetVersion, error) {
	if version == "" {
		ds, err := allDeployments(ctx, rs)
		if err != nil {
			return store.RuleSetVersion{}, err
		}
		for i := len(ds) - 2; i >= 0; i-- {
			if ds[i].Hash != ds[len(ds)-1].Hash {
				version = ds[i].Hash
				break
			}
		}
		if version == "" {
			return store.RuleSetVersion{}, errorf(http.StatusNotFound, CodeNotFound, "no earlier version to roll back to (%s so far)",
				plural(len(ds), "deployment", "deployments"))
		}
	}
	v, ok, err := rs.RuleSet(ctx, version)
	if err != nil {
		return store.RuleSetVersion{}, err
	}
	if !ok {
		return store.RuleSetVersion{}, errorf(http.StatusNotFound, CodeNotFound, "rule set version %q: not stored: GET /v1/rulesets lists them", version).
			with("version", version)
	}
	return v, nil
}

// FilesOf is a rule set's files by name, as CheckRuleSet takes them.
func FilesOf(files []store.RuleSetFile) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Name] = f.Data
	}
	return m
}
