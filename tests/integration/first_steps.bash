# run_first_steps N: N fresh jobs over all nodes, each a first step that
# builds and pins its namespaces; fails with the errors if any failed.
run_first_steps() {
  local n=$1 failed=0 errors
  errors=$(as_user_sh "
    f=0
    for i in \$(seq $n); do
      out=\$(srun -N$(nodes | wc -w) --nix-store='~/nix' true 2>&1) || { f=\$((f+1)); echo \"\$out\"; }
    done
    echo failed=\$f")
  failed=$(sed -n 's/^failed=//p' <<<"$errors")
  echo "$n first steps on each node: $failed failed"
  [ "$failed" = 0 ] || { echo "$errors" | head -20 >&2; return 1; }
}
