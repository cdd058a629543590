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

    /// <summary>(e) The state class gains a field with an initializer (the state figure: ours keeps the state in the library).</summary>
    FieldAdded,

    /// <summary>(f) A field of the state class changes type (int to long, and back).</summary>
    FieldRetyped,

    /// <summary>(g) The state class loses the field an (e) edit added last.</summary>
    FieldRemoved,

    /// <summary>(h) The state class gains or loses a base class.</summary>
    StateBase,

    /// <summary>(i) A method of the library's class is added, and the step method calls it (the patch figure).</summary>
    MethodAdded,

    /// <summary>(j) The constant in a lambda inside the step method changes (the patch figure's code has that lambda).</summary>
    Lambda,

    /// <summary>(k) A new source file with a new class, whose member the step method calls from then on (saved first,
    /// the step method's file just after it).</summary>
    NewFile,
}

/// <summary>
/// The code under edit, the same for both tools: UpdateAndRender prints the counter and sets it to Step(counter).
/// Every edit gives the step a new value, so the first two consecutive counter lines that differ by it show the new
/// code has run.
/// </summary>
/// <param name="Rules">Steps that have a class of their own (<c>Rule{step}</c>), added by (c) edits and kept after
/// them, so that every (c) edit only adds a class.</param>
/// <param name="StateInLibrary">Ours keeps the state in an object of the library (a static field's <c>World</c>) rather
/// than in the host's <c>State</c>: the state figure, whose edits change that object's shape.</param>
/// <param name="Extras">Fields the state class has gained (<c>Extra{n} = n</c>), by (e) edits, less those (g) removed.</param>
/// <param name="WideSpeed">The state class's <c>Speed</c> is a long rather than an int.</param>
/// <param name="StateHasBase">The state class derives from <c>Thing</c>.</param>
/// <param name="Helpers">Steps that have a method of their own in the library's class (<c>Helper{step}()</c>), added by
/// (i) edits and kept after them.</param>
/// <param name="HasLambda">The step method adds through a lambda (the patch figure): <c>add = c =&gt; c + x</c>.</param>
/// <param name="StepInLambda">The step's value is the lambda's constant (a (j) edit) rather than added after it.</param>
/// <param name="FileRules">Steps that have a class in a source file of their own (<c>Rule{step}.cs</c>), added by (k)
/// edits and kept after them.</param>
internal sealed record StepCode(int Step, bool StepIsParameter, bool HasBase, ImmutableList<int> Rules, bool Broken = false,
    bool StateInLibrary = false, ImmutableList<int>? Extras = null, bool WideSpeed = false, bool StateHasBase = false,
    ImmutableList<int>? Helpers = null, bool HasLambda = false, bool StepInLambda = false, ImmutableList<int>? FileRules = null)
{
    private ImmutableList<int> RuleFileSteps => FileRules ?? [];

    /// <summary>The source files of the (k) edits so far, beside the step method's file: name and text. The library's
    /// are in its namespace; the dotnet watch program's in the global one, like its other classes.</summary>
    public IEnumerable<(string Name, string Text)> RuleFiles(string? inNamespace) => RuleFileSteps.Select(r => ($"Rule{r}.cs",
        (inNamespace is null ? "" : $"namespace {inNamespace};\n\n") + $"static class Rule{r}\n{{\n    public static long Value => {r};\n}}\n"));

    /// <summary>The patch figure's start: the step method has a lambda, whose constant (j) edits change.</summary>
    public static StepCode WithLambda { get; } = new(1, false, false, [], HasLambda: true);

    private ImmutableList<int> HelperMethods => Helpers ?? [];

    public static StepCode Initial { get; } = new(1, false, false, []);

    /// <summary>The state figure's start: ours keeps the state in the library.</summary>
    public static StepCode LibraryState { get; } = new(1, false, false, [], StateInLibrary: true);

    private ImmutableList<int> ExtraFields => Extras ?? [];

    public StepCode Next(EditKind kind, int step) => kind switch
    {
        EditKind.Constant => this with { Step = step, Broken = false, StepInLambda = false },
        EditKind.MethodAdded => this with { Step = step, Helpers = HelperMethods.Add(step), Broken = false, StepInLambda = false },
        EditKind.Lambda => this with { Step = step, Broken = false, StepInLambda = true },
        EditKind.NewFile => this with { Step = step, FileRules = RuleFileSteps.Add(step), Broken = false, StepInLambda = false },
        EditKind.Signature => this with { Step = step, StepIsParameter = !StepIsParameter, Broken = false },
        EditKind.NewClass => this with { Step = step, Rules = Rules.Add(step), Broken = false },
        EditKind.FieldAdded => this with { Step = step, Extras = ExtraFields.Add(step), Broken = false },
        EditKind.FieldRetyped => this with { Step = step, WideSpeed = !WideSpeed, Broken = false },
        EditKind.FieldRemoved => this with { Step = step, Extras = ExtraFields.IsEmpty ? ExtraFields : ExtraFields.RemoveAt(ExtraFields.Count - 1), Broken = false },
        EditKind.StateBase => this with { Step = step, StateHasBase = !StateHasBase, Broken = false },
        _ => this with { Step = step, HasBase = !HasBase, Broken = false },
    };

    // The state class's shape, the same in both programs: what the state figure's edits change.
    private string StateMembers => $$"""
            public long Counter { get; set; }
            public {{(WideSpeed ? "long" : "int")}} Speed = 3;
        {{string.Concat(ExtraFields.Select(n => $"    public int Extra{n} = {n};\n"))}}
        """;

    /// <summary>The same code with a type error in the step (CS0029), for the compile error figure.</summary>
    public StepCode WithError() => this with { Broken = true };

    // The step's value: a literal, or the member of the class a (c) edit added for it.
    private string Value => Rules.Contains(Step) || RuleFileSteps.Contains(Step) ? $"Rule{Step}.Value" : HelperMethods.Contains(Step) ? $"Helper{Step}()" : Step.ToString();

    // Where the reloadable library's counter is: the host's state, or (the state figure) the library's own world.
    private string Holder => StateInLibrary ? "world" : "state";

    private string Call => CallOn(Holder);

    private string CallOn(string holder) => Broken ? "\"not a number\"" : StepIsParameter ? $"Step({holder}.Counter, {Value})" : $"Step({holder}.Counter)";

    private string Method => (StepIsParameter
        ? "private static long Step(long counter, long step) => counter + step;"
        : HasLambda
            ? $"private static long Step(long counter) {{ System.Func<long, long> add = c => c + {(StepInLambda ? Value : "0")}; return add(counter) + {(StepInLambda ? "0" : Value)}; }}"
            : $"private static long Step(long counter) => counter + {Value};")
        + string.Concat(HelperMethods.Select(h => $"\n\n    private static long Helper{h}() => {h};"));

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
            {{(StateInLibrary ? "static readonly World world = new();" : "")}}

            public static State NewState() => new();

            public static void UpdateAndRender(Platform platform, State state)
            {
                platform.Print(new Frame({{Holder}}.Counter).Text);
                {{Holder}}.Counter = {{Call}};
            }

            {{Method}}
        }

        class Tag { }

        class Thing { }
        {{(StateInLibrary ? $$$"""

        sealed class World{{{(StateHasBase ? " : Thing" : "")}}}
        {
        {{{StateMembers}}}
        }
        """ : "")}}

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

        class Thing { }

        sealed class State{{(HasBase ? " : Tag" : StateHasBase ? " : Thing" : "")}}
        {
        {{StateMembers}}
        }

        static class Logic
        {
            public static void UpdateAndRender(State state)
            {
                Console.WriteLine($"{Environment.ProcessId} {state.Counter}");
                state.Counter = {{CallOn("state")}};
            }

            {{Method}}
        }
        {{RuleClasses}}
        """;
}
