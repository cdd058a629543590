namespace HotReload.Sdk.Tasks;

/// <summary>
/// The compiler command line of the build's own compile, rewritten so that the same inputs produce a copy
/// under a new assembly name. The assembly name follows the output file name, so renaming <c>/out:</c> is enough.
/// </summary>
internal sealed class CompilerArguments
{
    // Outputs of the normal compile that the copy must not overwrite, and which the copy does not need.
    private static readonly string[] DroppedOptions =
    [
        "refout", "doc", "errorlog", "generatedfilesout", "touchedfiles", "reportanalyzer", "reportivts",
    ];

    private readonly IReadOnlyList<string> _arguments;

    public CompilerArguments(IReadOnlyList<string> arguments) => _arguments = arguments;

    /// <summary>True when the build asked for <c>/noconfig</c>; csc only honours it on the real command line.</summary>
    public bool NoConfig => _arguments.Any(a => IsOption(a, "noconfig", out _));

    /// <summary>The output path of the normal compile, as given to the compiler.</summary>
    public string? OutputPath => ValueOf("out");

    /// <summary>
    /// The arguments for the copy: every input kept as it is (each argument stays one line, with the quoting
    /// the build gave it), outputs redirected, and analyzers skipped because the normal compile already ran
    /// them. Source generators still run: their output is code.
    /// </summary>
    public IReadOnlyList<string> ForCopy(string outputAssemblyPath, string pdbPath)
    {
        var result = new List<string>(_arguments.Count + 2);
        foreach (var argument in _arguments)
        {
            if (IsOption(argument, "noconfig", out _) || DroppedOptions.Any(o => IsOption(argument, o, out _)))
            {
                continue;
            }

            if (IsOption(argument, "out", out _))
            {
                result.Add("/out:" + Quote(outputAssemblyPath));
            }
            else if (IsOption(argument, "pdb", out _))
            {
                result.Add("/pdb:" + Quote(pdbPath));
            }
            else
            {
                result.Add(argument);
            }
        }

        if (OutputPath is null)
        {
            result.Add("/out:" + Quote(outputAssemblyPath));
        }

        result.Add("/skipanalyzers+");
        return result;
    }

    private string? ValueOf(string option)
    {
        foreach (var argument in _arguments)
        {
            if (IsOption(argument, option, out var value) && value is not null)
            {
                return Unquote(value);
            }
        }

        return null;
    }

    /// <summary>
    /// Recognises <c>/name</c>, <c>-name</c>, <c>/name:value</c> and <c>/name+</c>/<c>/name-</c>. A source file
    /// such as <c>/home/me/out.cs</c> or <c>/out-dir/x.cs</c> is never an option: after the name comes a slash, or
    /// more than a lone '+' or '-'.
    /// </summary>
    internal static bool IsOption(string argument, string name, out string? value)
    {
        value = null;
        if (argument.Length < name.Length + 1 || (argument[0] != '/' && argument[0] != '-'))
        {
            return false;
        }

        if (string.Compare(argument, 1, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) != 0)
        {
            return false;
        }

        if (argument.Length == name.Length + 1)
        {
            return true;
        }

        var next = argument[name.Length + 1];
        if (next == ':')
        {
            value = argument[(name.Length + 2)..];
            return true;
        }

        // A toggle (/debug+, /debug-) ends there; a source such as /out-dir/x.cs goes on.
        return next is '+' or '-' && argument.Length == name.Length + 2;
    }

    internal static string Quote(string path) =>
        path.Contains(' ') || path.Contains('\t') ? "\"" + path + "\"" : path;

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
}
