namespace HotReload.Runtime;

/// <summary>The type a migrated reference must have where it is stored, and where that is, for a message.</summary>
internal sealed class ReferenceSlot(Type target, string where)
{
    private Type? _lastAccepted;

    public Type Target { get; } = target;

    public string Where { get; } = where;

    /// <summary>How many values could not be stored there.</summary>
    public int Rejected { get; set; }

    /// <summary>The type of the last value met here, and its plan: a field mostly holds one type.</summary>
    public Type? LastType { get; set; }

    public TypePlan? LastPlan { get; set; }

    public bool Accepts(Type type)
    {
        if (type == _lastAccepted)
        {
            return true;
        }

        if (!Target.IsAssignableFrom(type))
        {
            return false;
        }

        _lastAccepted = type;
        return true;
    }
}
