package store

import (
	"context"
	"errors"
	"time"
)

// RuleSets keeps the rule sets deployed to promoc serve: each version's
// files under its content hash (the version every outcome records), and
// every deployment in order, the last one naming the active version. Both
// drivers implement it beside [Store].
type RuleSets interface {
	// Deploy makes a version the active one, in one transaction: its
	// files are stored under its hash unless the hash is stored already
	// (then the files stored first stay, and v.Files may be nil), and the
	// deployment is recorded. It returns the deployment with its Seq.
	// [ErrNoRuleSet] when v.Files is nil and the hash is not stored.
	Deploy(ctx context.Context, v RuleSetVersion, d Deployment) (Deployment, error)
	// ActiveRuleSet is the last deployment; ok is false when none was
	// made.
	ActiveRuleSet(ctx context.Context) (d Deployment, ok bool, err error)
	// RuleSet is a stored version with its files; ok is false when the
	// hash is not stored.
	RuleSet(ctx context.Context, hash string) (v RuleSetVersion, ok bool, err error)
	// RuleSetVersions lists the stored versions without their files, the
	// first uploaded first.
	RuleSetVersions(ctx context.Context) ([]RuleSetVersion, error)
	// Deployments lists the deployments after sequence number after, at
	// most limit, in order.
	Deployments(ctx context.Context, after int64, limit int) ([]Deployment, error)
}

// RuleSetFile is one file of a rule set: a rule file, a test file or a
// fixture its tests load, by its path in the rule set (forward slashes).
type RuleSetFile struct {
	Name string
	Data []byte
}

// RuleSetVersion is a rule set as it was uploaded.
type RuleSetVersion struct {
	Hash       string        // the rule set's version, "sha256:..."
	Files      []RuleSetFile // by name; nil in lists
	Uploaded   time.Time     // UTC; when first stored
	UploadedBy string        // an API key's id, or "cli"
}

// Deployment is one change of the active version.
type Deployment struct {
	Seq    int64 // set by the store: > 0, increasing
	Hash   string
	At     time.Time // UTC
	Actor  string    // an API key's id, or "cli"
	Action string    // upload, rollback or seed
}

// ErrNoRuleSet: no version is stored under the hash.
var ErrNoRuleSet = errors.New("no such rule set version")
