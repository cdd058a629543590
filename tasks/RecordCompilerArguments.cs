using Microsoft.Build.Framework;

namespace HotReload.Sdk.Tasks;

/// <summary>After CoreCompile: records its command line with the proof of the compile it describes.</summary>
public sealed class RecordCompilerArguments : Microsoft.Build.Utilities.Task
{
    [Required] public string ResponseFile { get; set; } = "";

    [Required] public string IntermediateAssembly { get; set; } = "";

    public ITaskItem[] Arguments { get; set; } = [];

    public override bool Execute()
    {
        RecordedCommandLine.Write(ResponseFile, Arguments.Select(a => a.ItemSpec), IntermediateAssembly);
        return true;
    }
}

/// <summary>
/// Before CoreCompile: whether the recorded command line describes the compiled assembly in obj/. When it does not (none
/// was recorded, or a build stopped before recording it), CoreCompile must run, so the next copy is made from the
/// command line of the compile that made the assembly.
/// </summary>
public sealed class CheckCompilerArguments : Microsoft.Build.Utilities.Task
{
    [Required] public string ResponseFile { get; set; } = "";

    [Required] public string IntermediateAssembly { get; set; } = "";

    [Output] public bool IsCurrent { get; private set; }

    public override bool Execute()
    {
        IsCurrent = !File.Exists(IntermediateAssembly) || RecordedCommandLine.Describes(ResponseFile, IntermediateAssembly);
        if (!IsCurrent)
        {
            Log.LogMessage(MessageImportance.High,
                "HotReload: the recorded compiler command line '{0}' does not describe '{1}' (a build stopped before recording it, or it is missing); compiling again.",
                ResponseFile, IntermediateAssembly);
        }

        return true;
    }
}
