using System.Runtime.CompilerServices;
using HotReload;
using HotReload.Compiler;

// The warm compiler, started by HotReload.Runtime beside a live host:
//   dotnet exec HotReload.Compiler.dll <manifest> [--parent <pid>]
// It exits when its standard input closes (the host exited or was killed) or the parent process is gone.
if (args.Length is not (1 or 3) || (args.Length == 3 && args[1] != "--parent"))
{
    Console.Error.WriteLine("Usage: HotReload.Compiler <library>.hotreload.manifest [--parent <pid>]");
    return 2;
}

using var host = new HostChannel(Console.Out);
CompileManifest manifest;
try
{
    manifest = CompileManifest.Read(args[0]);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
{
    host.Send(CompilerProtocol.Warning, $"HR3002: cannot read '{args[0]}': {e.Message} Build the library again.");
    return 1;
}

SdkAssemblies.LoadFrom(manifest.CompilerDirectory, manifest.MSBuildDirectory);
return Session.Run(manifest, host, args.Length == 3 ? int.Parse(args[2]) : null);

internal static class Session
{
    // Separate from the top-level code, so Roslyn is first needed after its folder is registered.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(CompileManifest manifest, HostChannel host, int? parent)
    {
        using var session = new CompileSession(manifest, host);
        ExitWithParent(session, parent);
        try
        {
            session.Run();
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            host.Send(CompilerProtocol.Warning, "HR3002: the warm compiler stopped: " + e.Message + " Build the library to go on.");
            return 1;
        }
    }

    private static void ExitWithParent(CompileSession session, int? parent)
    {
        // Standard input is a pipe from the host: it reads end-of-file the moment the host is gone, however it ended.
        new Thread(() =>
        {
            try
            {
                while (Console.In.Read() >= 0)
                {
                }
            }
            catch (IOException)
            {
            }

            End(session);
        }) { IsBackground = true, Name = "HotReload parent (stdin)" }.Start();

        if (parent is { } pid)
        {
            new Thread(() =>
            {
                while (ProcessIds.Runs(pid))
                {
                    Thread.Sleep(500);
                }

                End(session);
            }) { IsBackground = true, Name = "HotReload parent (pid)" }.Start();
        }
    }

    private static void End(CompileSession session)
    {
        session.Stop(); // kills a running build with its process tree
        Environment.Exit(0);
    }
}
