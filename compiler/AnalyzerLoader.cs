using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace HotReload.Compiler;

/// <summary>
/// Loads source generators (and their dependencies, from beside them) into one context of their own, sharing Roslyn
/// and the framework with the compiler, as csc does. Loaded once per process: generators stay warm across edits.
/// </summary>
internal sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
{
    private readonly Context _context = new();

    public void AddDependencyLocation(string fullPath) => _context.AddLocation(fullPath);

    public Assembly LoadFromPath(string fullPath)
    {
        _context.AddLocation(fullPath);
        return _context.Load(fullPath);
    }

    private sealed class Context() : AssemblyLoadContext("HotReload.Compiler.Analyzers")
    {
        private readonly Dictionary<string, string> _byName = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Assembly> _byPath = new(StringComparer.Ordinal);

        public void AddLocation(string fullPath)
        {
            lock (_byName)
            {
                _byName.TryAdd(Path.GetFileNameWithoutExtension(fullPath), fullPath);
            }
        }

        public Assembly Load(string fullPath)
        {
            lock (_byName)
            {
                if (!_byPath.TryGetValue(fullPath, out var assembly))
                {
                    _byPath[fullPath] = assembly = LoadFromAssemblyPath(fullPath);
                }

                return assembly;
            }
        }

        protected override Assembly? Load(AssemblyName name)
        {
            // Roslyn and the framework come from the compiler's own context, so generators see the same types.
            if (name.Name is { } simple && (simple.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || IsInDefault(name)))
            {
                return null;
            }

            string? path;
            lock (_byName)
            {
                _byName.TryGetValue(name.Name ?? "", out path);
            }

            return path is null ? null : Load(path);
        }

        private static bool IsInDefault(AssemblyName name)
        {
            try
            {
                Default.LoadFromAssemblyName(name);
                return true;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
        }
    }
}
