package vm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/vm"
)

// TestBuiltinsMatchCompiler keeps the VM's builtins in step with the
// compiler's declarations: same functions, same order (the order is the
// BuiltinID), same arity.
func TestBuiltinsMatchCompiler(t *testing.T) {
	require.Len(t, vm.Builtins, len(compiler.Builtins))
	for i, c := range compiler.Builtins {
		b := vm.Builtins[i]
		assert.Equal(t, c.Name, b.Name, "builtin %d", i)
		assert.Equal(t, c.MinArgs, b.MinArgs, "%s: MinArgs", c.Name)
		assert.Equal(t, c.MaxArgs, b.MaxArgs, "%s: MaxArgs", c.Name)
		assert.Equal(t, c.Name, vm.BuiltinID(i).String())
	}
}
