package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/promoc/promoc/runtime/store"
)

// encodeFiles is the stored form of a rule set's files: a JSON object of
// name to base64 bytes, names sorted.
func encodeFiles(files []store.RuleSetFile) ([]byte, error) {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		if _, dup := m[f.Name]; dup {
			return nil, fmt.Errorf("rule set: file %q given twice", f.Name)
		}
		m[f.Name] = nonNil(f.Data)
	}
	return json.Marshal(m)
}

func decodeFiles(b []byte) ([]store.RuleSetFile, error) {
	var m map[string][]byte
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("rule set: stored files: %w", err)
	}
	out := make([]store.RuleSetFile, 0, len(m))
	for name, data := range m {
		out = append(out, store.RuleSetFile{Name: name, Data: nonNil(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Deploy implements store.RuleSets.
func (s *Store) Deploy(ctx context.Context, v store.RuleSetVersion, d store.Deployment) (store.Deployment, error) {
	if v.Hash == "" || d.Action == "" {
		return store.Deployment{}, fmt.Errorf("rule set deployment: a hash and an action are required")
	}
	var files []byte
	if v.Files != nil {
		var err error
		if files, err = encodeFiles(v.Files); err != nil {
			return store.Deployment{}, err
		}
	}
	d.Hash = v.Hash
	d.At = fromNanos(nanos(d.At))
	err := s.D.Begin(ctx, func(ex Execer) error {
		if files != nil {
			if _, err := ex.Exec(ctx, `INSERT INTO rule_sets (hash, files, uploaded_ns, uploaded_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT (hash) DO NOTHING`, v.Hash, files, nanos(v.Uploaded), v.UploadedBy); err != nil {
				return err
			}
		} else {
			var n int64
			if err := ex.QueryRow(ctx, `SELECT count(*) FROM rule_sets WHERE hash = $1`, v.Hash).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%s: %w", v.Hash, store.ErrNoRuleSet)
			}
		}
		return ex.QueryRow(ctx, `INSERT INTO rule_set_deployments (hash, at_ns, actor, action) VALUES ($1, $2, $3, $4) RETURNING seq`,
			v.Hash, nanos(d.At), d.Actor, d.Action).Scan(&d.Seq)
	})
	if err != nil {
		return store.Deployment{}, err
	}
	return d, nil
}

// deployments runs a query of deployments.
func (s *Store) deployments(ctx context.Context, q string, args ...any) ([]store.Deployment, error) {
	var out []store.Deployment
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var d store.Deployment
		var at int64
		if err := r.Scan(&d.Seq, &d.Hash, &at, &d.Actor, &d.Action); err != nil {
			return err
		}
		d.At = fromNanos(at)
		out = append(out, d)
		return nil
	}, q, args...)
	return out, err
}

// ActiveRuleSet implements store.RuleSets.
func (s *Store) ActiveRuleSet(ctx context.Context) (store.Deployment, bool, error) {
	ds, err := s.deployments(ctx, `SELECT seq, hash, at_ns, actor, action FROM rule_set_deployments ORDER BY seq DESC LIMIT 1`)
	if err != nil || len(ds) == 0 {
		return store.Deployment{}, false, err
	}
	return ds[0], true, nil
}

// Deployments implements store.RuleSets.
func (s *Store) Deployments(ctx context.Context, after int64, limit int) ([]store.Deployment, error) {
	return s.deployments(ctx, `SELECT seq, hash, at_ns, actor, action FROM rule_set_deployments WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

// RuleSet implements store.RuleSets.
func (s *Store) RuleSet(ctx context.Context, hash string) (store.RuleSetVersion, bool, error) {
	var vs []store.RuleSetVersion
	var files []byte
	err := s.query(ctx, func() { vs = nil }, func(r Rows) error {
		v := store.RuleSetVersion{Hash: hash}
		var at int64
		if err := r.Scan(&files, &at, &v.UploadedBy); err != nil {
			return err
		}
		v.Uploaded = fromNanos(at)
		vs = append(vs, v)
		return nil
	}, `SELECT files, uploaded_ns, uploaded_by FROM rule_sets WHERE hash = $1`, hash)
	if err != nil || len(vs) == 0 {
		return store.RuleSetVersion{}, false, err
	}
	if vs[0].Files, err = decodeFiles(files); err != nil {
		return store.RuleSetVersion{}, false, err
	}
	return vs[0], true, nil
}

// RuleSetVersions implements store.RuleSets.
func (s *Store) RuleSetVersions(ctx context.Context) ([]store.RuleSetVersion, error) {
	var out []store.RuleSetVersion
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var v store.RuleSetVersion
		var at int64
		if err := r.Scan(&v.Hash, &at, &v.UploadedBy); err != nil {
			return err
		}
		v.Uploaded = fromNanos(at)
		out = append(out, v)
		return nil
	}, `SELECT hash, uploaded_ns, uploaded_by FROM rule_sets ORDER BY uploaded_ns, hash`)
	return out, err
}
