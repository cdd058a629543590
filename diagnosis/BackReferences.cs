namespace HotReload.Diagnosis;

/// <summary>Every reference of the heap, turned around: for an object, the objects that refer to it.</summary>
internal sealed class BackReferences
{
    private readonly ulong[] _to;
    private readonly ulong[] _from;

    public BackReferences(List<ulong> from, List<ulong> to)
    {
        _to = to.ToArray();
        _from = from.ToArray();
        Array.Sort(_to, _from);
    }

    public IEnumerable<ulong> To(ulong target)
    {
        var i = Array.BinarySearch(_to, target);
        if (i < 0)
        {
            yield break;
        }

        while (i > 0 && _to[i - 1] == target)
        {
            i--;
        }

        for (; i < _to.Length && _to[i] == target; i++)
        {
            yield return _from[i];
        }
    }
}
