using System.Reflection;

namespace HotReload.Runtime;

/// <summary>The generation whose code runs: its number, its context and assembly, its lifecycle hooks.</summary>
internal sealed record LiveGeneration(int Number, GenerationLoadContext Context, Assembly Assembly, GenerationHooks Hooks);
