namespace HotReload.Tests.Shared;

/// <summary>State owned by the test (the host): the compiled copies use this very type, from the default context.</summary>
public sealed class Counter
{
    public long Value { get; set; }
}

/// <summary>A static event of the host that a generation can subscribe to (and forget to leave).</summary>
public static class HostEvents
{
    public static event Action? Tick;

    public static void Clear() => Tick = null;

    public static void Raise() => Tick?.Invoke();
}

/// <summary>Where lifecycle hooks of the compiled copies write what they did, for the test to read.</summary>
public static class HookLog
{
    private static readonly List<string> Lines = [];

    public static void Write(string line)
    {
        lock (Lines)
        {
            Lines.Add(line);
        }
    }

    public static string[] Take()
    {
        lock (Lines)
        {
            var lines = Lines.ToArray();
            Lines.Clear();
            return lines;
        }
    }
}

/// <summary>
/// Timers a generation started, where the test (as a host that found the cause) can stop them. Held weakly, so that
/// only the timer queue keeps them (and their generation) alive.
/// </summary>
public static class HostTimers
{
    private static readonly List<WeakReference<IDisposable>> Timers = [];

    public static void Add(IDisposable timer)
    {
        lock (Timers)
        {
            Timers.Add(new WeakReference<IDisposable>(timer));
        }
    }

    public static void DisposeAll()
    {
        lock (Timers)
        {
            foreach (var timer in Timers)
            {
                if (timer.TryGetTarget(out var alive))
                {
                    alive.Dispose();
                }
            }

            Timers.Clear();
        }
    }
}
