namespace HotReload.Tests.Shared;

/// <summary>State owned by the test (the host): the compiled copies use this very type, from the default context.</summary>
public sealed class Counter
{
    public long Value { get; set; }
}
