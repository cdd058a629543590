namespace HotReload.ProcessBench;

/// <summary>The kinds of edit the edit figure makes.</summary>
internal enum EditKind
{
    /// <summary>(a) A changed constant in the step method: every tool applies it in place.</summary>
    Constant,

    /// <summary>(b) The private step method gains or loses a parameter, and its caller changes with it.</summary>
    Signature,

    /// <summary>(c) The state class gains or loses a base class: a "rude edit" dotnet watch cannot apply in place.</summary>
    Rude,
}

/// <summary>
/// The code under edit, the same for both tools: UpdateAndRender prints the counter and sets it to Step(counter).
/// Every edit gives the step a new value, so the first two consecutive counter lines that differ by it show the new
/// code has run.
/// </summary>
internal sealed record StepCode(int Step, bool StepIsParameter, bool StateHasBase)
{
    public static StepCode Initial { get; } = new(1, false, false);

    public StepCode Next(EditKind kind, int step) => kind switch
    {
        EditKind.Constant when StepIsParameter => throw new InvalidOperationException("(a) edits change the constant inside Step."),
        EditKind.Constant => this with { Step = step },
        EditKind.Signature => this with { Step = step, StepIsParameter = !StepIsParameter },
        _ => this with { Step = step, StateHasBase = !StateHasBase },
    };

    public string Call => StepIsParameter ? $"Step(state.Counter, {Step})" : "Step(state.Counter)";

    public string Method => StepIsParameter
        ? "private static long Step(long counter, long step) => counter + step;"
        : $"private static long Step(long counter) => counter + {Step};";

    /// <summary>StateManipulation/Logic.cs: the host's entry points keep their signatures, the helper behind them changes.</summary>
    public string ReloadableLogic() => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print(state.Counter.ToString());
                state.Counter = {{Call}};
            }

            {{Method}}
        }
        """;

    /// <summary>The single-project console program for dotnet watch: the same 50 ms loop, the state a local object in
    /// Main, and the process id on every line so that a restart shows.</summary>
    public string WatchProgram() => $$"""
        var state = new State();
        for (var frame = 0; frame < 1_000_000; frame++)
        {
            Logic.UpdateAndRender(state);
            Thread.Sleep(50);
        }

        class Tag { }

        sealed class State{{(StateHasBase ? " : Tag" : "")}}
        {
            public long Counter { get; set; }
        }

        static class Logic
        {
            public static void UpdateAndRender(State state)
            {
                Console.WriteLine($"{Environment.ProcessId} {state.Counter}");
                state.Counter = {{Call}};
            }

            {{Method}}
        }
        """;
}
