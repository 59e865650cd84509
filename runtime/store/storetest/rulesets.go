package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ruleSets is the store's store.RuleSets; the test fails when it has none.
func ruleSets(t testing.TB, s store.Store) store.RuleSets {
	t.Helper()
	rs := implements[store.RuleSets](t, s)
	return rs
}

func testRuleSets(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	rs := ruleSets(t, d.open(t, addr))
	_, ok, err := rs.ActiveRuleSet(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "nothing deployed yet")

	v1 := store.RuleSetVersion{Hash: "sha256:aa", Uploaded: t0, UploadedBy: "k1", Files: []store.RuleSetFile{
		{Name: "rules.promo", Data: []byte("reward r: amount { give 1 EUR }\n")},
		{Name: "data/in.json", Data: []byte{0, 1, 2, 0xff}}, // any bytes
		{Name: "empty.promo", Data: []byte{}},
	}}
	d1, err := rs.Deploy(ctx, v1, store.Deployment{At: t0, Actor: "k1", Action: "upload"})
	require.NoError(t, err)
	assert.Positive(t, d1.Seq)
	assert.Equal(t, store.Deployment{Seq: d1.Seq, Hash: "sha256:aa", At: t0, Actor: "k1", Action: "upload"}, d1)

	v2 := store.RuleSetVersion{Hash: "sha256:bb", Uploaded: t0.Add(time.Minute), UploadedBy: "k2",
		Files: []store.RuleSetFile{{Name: "rules.promo", Data: []byte("v2")}}}
	d2, err := rs.Deploy(ctx, v2, store.Deployment{At: t0.Add(time.Minute), Actor: "k2", Action: "upload"})
	require.NoError(t, err)
	assert.Greater(t, d2.Seq, d1.Seq)
	active, ok, err := rs.ActiveRuleSet(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, d2, active)

	// A rollback names a stored hash and stores no files; the files of
	// the first upload stay when a hash comes again with others.
	d3, err := rs.Deploy(ctx, store.RuleSetVersion{Hash: "sha256:aa"}, store.Deployment{At: t0.Add(2 * time.Minute), Actor: "k3", Action: "rollback"})
	require.NoError(t, err)
	_, err = rs.Deploy(ctx, store.RuleSetVersion{Hash: "sha256:aa", Files: []store.RuleSetFile{{Name: "x.promo"}}, Uploaded: t0.Add(time.Hour), UploadedBy: "k9"},
		store.Deployment{At: t0.Add(3 * time.Minute), Actor: "k9", Action: "upload"})
	require.NoError(t, err)
	_, err = rs.Deploy(ctx, store.RuleSetVersion{Hash: "sha256:cc"}, store.Deployment{At: t0, Actor: "k3", Action: "rollback"})
	assert.ErrorIs(t, err, store.ErrNoRuleSet)
	_, err = rs.Deploy(ctx, store.RuleSetVersion{Hash: "sha256:dd", Files: []store.RuleSetFile{{Name: "a"}, {Name: "a"}}},
		store.Deployment{At: t0, Actor: "k3", Action: "upload"})
	assert.Error(t, err, "a file given twice")

	got, ok, err := rs.RuleSet(ctx, "sha256:aa")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "k1", got.UploadedBy)
	assert.Equal(t, t0, got.Uploaded)
	assert.Equal(t, []store.RuleSetFile{v1.Files[1], v1.Files[2], v1.Files[0]}, got.Files, "by name, bytes as given")
	_, ok, err = rs.RuleSet(ctx, "sha256:cc")
	require.NoError(t, err)
	assert.False(t, ok)

	vs, err := rs.RuleSetVersions(ctx)
	require.NoError(t, err)
	require.Len(t, vs, 2, "the refused deployments stored nothing")
	assert.Equal(t, []string{"sha256:aa", "sha256:bb"}, []string{vs[0].Hash, vs[1].Hash})
	assert.Nil(t, vs[0].Files)

	// Another connection sees the same, in order.
	rs2 := ruleSets(t, d.open(t, addr))
	ds, err := rs2.Deployments(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, ds, 4)
	assert.Equal(t, []store.Deployment{d1, d2, d3}, ds[:3])
	assert.Equal(t, "sha256:aa", ds[3].Hash)
	ds, err = rs2.Deployments(ctx, d2.Seq, 1)
	require.NoError(t, err)
	assert.Equal(t, []store.Deployment{d3}, ds)
}
