using System.Text.RegularExpressions;

namespace HotReload.ProcessBench;

/// <summary>`dotnet watch run --non-interactive` on an equivalent single-project console program. Without a console,
/// --non-interactive makes dotnet watch restart the program on a rude edit instead of asking. <paramref name="generated"/>
/// adds generated source files to the program before dotnet watch starts (the scaling figure).</summary>
internal sealed partial class WatchTarget(Scratch scratch, GeneratedCode? generated = null, SaveStyle style = SaveStyle.Rename) : IEditTarget
{
    private readonly string _folder = scratch.NewFolder("watch");
    private RunningProcess? _watch;
    private EditObserver? _observer;

    public string Name => "`dotnet watch run --non-interactive`";

    public string ToolMessage => "dotnet watch's `changes applied` / `Restart is needed`";

    public string RudeEdit => "the state class's base class";

    private string ProgramFile => Path.Combine(_folder, "Program.cs");

    public void Start(StepCode code)
    {
        File.WriteAllText(Path.Combine(_folder, "WatchedApp.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        SourceFile.Save(ProgramFile, code.WatchProgram());
        generated?.WriteTo(Path.Combine(_folder, "Generated"), "Generated");

        Console.WriteLine($"{Name}: starting dotnet watch...");
        var start = new DotNet(_folder, scratch.PackagesFolder).StartInfo("watch", "run", "--non-interactive");
        start.Environment["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1";
        _watch = new RunningProcess(start);
        _observer = new EditObserver(_watch, new CounterLines(Parse), text => ToolLine().IsMatch(text));
        WaitUntilReady(0);
    }

    public EditResult Apply(StepCode code)
    {
        var observer = _observer ?? throw new InvalidOperationException("Start first.");
        var before = observer.Mark();
        SourceFile.SaveNew(_folder, code.RuleFiles(null), style);
        SourceFile.Save(ProgramFile, code.WatchProgram(), style);
        var result = observer.WaitForEffect(before, code.Step, saveToBuildExit: null);
        if (result.Restarted)
        {
            WaitUntilReady(before.LineIndex); // dotnet watch watches again only after its restart
        }

        return result;
    }

    public ErrorResult ApplyBroken(StepCode code)
    {
        var observer = _observer ?? throw new InvalidOperationException("Start first.");
        var before = observer.Mark();
        SourceFile.Save(ProgramFile, code.WatchProgram(), style);
        return observer.WaitForError(before, CompilerError.IsMatch);
    }

    private void WaitUntilReady(int from)
    {
        var watch = _watch!;
        watch.WaitFor(lines => lines.Any(l => l.Text.Contains("Waiting for changes", StringComparison.Ordinal)) ? true : (bool?)null,
            "dotnet watch to wait for changes", TimeSpan.FromMinutes(3), from);
        _observer!.WaitUntilCounting("the program under dotnet watch to count");
    }

    private static (int, long)? Parse(string text) =>
        CounterLine().Match(text) is { Success: true } m ? (int.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value)) : null;

    public string? Summary() => null;

    public void Dispose() => _watch?.Dispose();

    [GeneratedRegex(@"^(\d+) (-?\d+)$")]
    private static partial Regex CounterLine();

    [GeneratedRegex(@"dotnet watch .*(changes applied|Restart is needed)")]
    private static partial Regex ToolLine();
}
