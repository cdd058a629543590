namespace HotReload.Runtime;

/// <summary>
/// The host objects handed to <see cref="ReloadableLibrary.Track{T}"/>: roots of migration besides the library's
/// static fields. Held weakly: tracking an object never keeps it alive.
/// </summary>
internal sealed class TrackedRoots
{
    private readonly List<WeakReference<object>> _roots = [];

    public void Add(object root)
    {
        lock (_roots)
        {
            _roots.RemoveAll(r => !r.TryGetTarget(out _));
            if (!_roots.Exists(r => r.TryGetTarget(out var existing) && ReferenceEquals(existing, root)))
            {
                _roots.Add(new WeakReference<object>(root));
            }
        }
    }

    /// <summary>The roots still alive.</summary>
    public List<object> Alive()
    {
        lock (_roots)
        {
            var alive = new List<object>(_roots.Count);
            foreach (var root in _roots)
            {
                if (root.TryGetTarget(out var target))
                {
                    alive.Add(target);
                }
            }

            return alive;
        }
    }
}
