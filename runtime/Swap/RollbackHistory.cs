namespace HotReload.Runtime;

/// <summary>
/// The generations that ran cleanly (live until a newer copy replaced them, no fault), newest last: where a rollback
/// goes. A generation that faulted or could not be made live again is forgotten, so it is never chosen again.
/// </summary>
internal sealed class RollbackHistory
{
    // A handful is plenty: the folder of copies keeps only the newest few (HotReloadKeepCopies), older ones are gone.
    private const int Capacity = 16;

    private readonly List<int> _clean = [];

    /// <summary>Records that <paramref name="generation"/> ran and was replaced without a fault.</summary>
    public void RanCleanly(int generation)
    {
        _clean.Remove(generation);
        _clean.Add(generation);
        if (_clean.Count > Capacity)
        {
            _clean.RemoveAt(0);
        }
    }

    public void Forget(int generation) => _clean.Remove(generation);

    /// <summary>Where to go when <paramref name="faulted"/> faults, best first: the most recently replaced clean generation.</summary>
    public int[] CandidatesFor(int faulted)
    {
        var candidates = _clean.Where(g => g != faulted).ToArray();
        Array.Reverse(candidates);
        return candidates;
    }

    public bool HasCandidateFor(int faulted) => _clean.Exists(g => g != faulted);
}
