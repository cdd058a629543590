using System.Collections.Immutable;

namespace HotReload.ProcessBench;

/// <summary>The kinds of edit the edit figure makes.</summary>
internal enum EditKind
{
    /// <summary>(a) A changed constant in a method body: every tool applies it in place.</summary>
    Constant,

    /// <summary>(b) The private step method gains or loses a parameter, and its caller changes with it.</summary>
    Signature,

    /// <summary>(c) A new class, whose member the step method calls from then on.</summary>
    NewClass,

    /// <summary>(d) A class gains or loses a base class: a "rude edit" dotnet watch cannot apply in place. For dotnet
    /// watch it is the state class; ours keeps the state in the host's shared assembly, so it is the library's own
    /// class that every frame uses.</summary>
    Rude,
}

/// <summary>
/// The code under edit, the same for both tools: UpdateAndRender prints the counter and sets it to Step(counter).
/// Every edit gives the step a new value, so the first two consecutive counter lines that differ by it show the new
/// code has run.
/// </summary>
/// <param name="Rules">Steps that have a class of their own (<c>Rule{step}</c>), added by (c) edits and kept after
/// them, so that every (c) edit only adds a class.</param>
internal sealed record StepCode(int Step, bool StepIsParameter, bool HasBase, ImmutableList<int> Rules, bool Broken = false)
{
    public static StepCode Initial { get; } = new(1, false, false, []);

    public StepCode Next(EditKind kind, int step) => kind switch
    {
        EditKind.Constant => this with { Step = step, Broken = false },
        EditKind.Signature => this with { Step = step, StepIsParameter = !StepIsParameter, Broken = false },
        EditKind.NewClass => this with { Step = step, Rules = Rules.Add(step), Broken = false },
        _ => this with { Step = step, HasBase = !HasBase, Broken = false },
    };

    /// <summary>The same code with a type error in the step (CS0029), for the compile error figure.</summary>
    public StepCode WithError() => this with { Broken = true };

    // The step's value: a literal, or the member of the class a (c) edit added for it.
    private string Value => Rules.Contains(Step) ? $"Rule{Step}.Value" : Step.ToString();

    private string Call => Broken ? "\"not a number\"" : StepIsParameter ? $"Step(state.Counter, {Value})" : "Step(state.Counter)";

    private string Method => StepIsParameter
        ? "private static long Step(long counter, long step) => counter + step;"
        : $"private static long Step(long counter) => counter + {Value};";

    private string RuleClasses => string.Concat(Rules.Select(r => $$"""

        static class Rule{{r}}
        {
            public static long Value => {{r}};
        }

        """));

    /// <summary>StateManipulation/Logic.cs: the host's entry points keep their signatures, the code behind them changes.</summary>
    public string ReloadableLogic() => $$"""
        using Common;

        namespace StateManipulation;

        public static class Logic
        {
            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print(new Frame(state.Counter).Text);
                state.Counter = {{Call}};
            }

            {{Method}}
        }

        class Tag { }

        sealed class Frame(long counter){{(HasBase ? " : Tag" : "")}}
        {
            public string Text => counter.ToString();
        }
        {{RuleClasses}}
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

        sealed class State{{(HasBase ? " : Tag" : "")}}
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
        {{RuleClasses}}
        """;
}
