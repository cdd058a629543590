using System.Text;

namespace HotReload.ProcessBench;

/// <summary>
/// About <paramref name="Lines"/> lines of ordinary C# (classes with fields, loops, LINQ with lambdas, switch
/// expressions, records, interpolated strings, calls from class to class), in files of about 500 lines: the bulk of
/// a larger library, for the scaling figure. The same text goes into our reloadable library and into the program
/// under dotnet watch, so both tools compile the same amount of code on every edit.
/// </summary>
internal sealed record GeneratedCode(int Lines)
{
    private const int LinesPerFile = 500;

    /// <summary>How many lines the files have (a little over <see cref="Lines"/>: whole classes).</summary>
    public int ActualLines => Files("N").Sum(f => f.Text.Count(c => c == '\n'));

    /// <summary>Writes the files into <paramref name="folder"/>.</summary>
    public void WriteTo(string folder, string @namespace)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in Files(@namespace))
        {
            File.WriteAllText(Path.Combine(folder, name), text);
        }
    }

    private IEnumerable<(string Name, string Text)> Files(string @namespace)
    {
        var classLines = Class(0, 1, @namespace).Count(c => c == '\n');
        var classes = Math.Max(2, (int)Math.Ceiling((double)Lines / classLines));
        var files = Math.Max(2, (int)Math.Round((double)Lines / LinesPerFile));
        for (var file = 0; file < files; file++)
        {
            var text = new StringBuilder($"namespace {@namespace};\n");
            for (var index = file; index < classes; index += files)
            {
                text.Append('\n').Append(Class(index, (index + 1) % classes, @namespace));
            }

            yield return ($"Part{file}.cs", text.ToString());
        }
    }

    // One class of the bulk; each calls the next, so the binder has work across files.
    private static string Class(int index, int next, string @namespace) => $$"""
        public sealed class Part{{index}}
        {
            private readonly List<long> _values = [];
            private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
            private long _total;

            public Part{{index}}(long seed)
            {
                for (var i = 0; i < 4; i++)
                {
                    _values.Add(seed * i + {{index % 97}});
                }
            }

            public long Total => _total;

            public sealed record Entry(string Name, long Value, bool Even);

            public long Accumulate(long input)
            {
                var result = input;
                foreach (var value in _values)
                {
                    result = unchecked(result * 31 + value % 13);
                }

                _total += result;
                return result;
            }

            public IReadOnlyList<Entry> Entries(int limit) =>
                _values
                    .Where(v => v % 3 != {{index % 3}})
                    .Select((v, i) => new Entry($"part{{index}}-{i}", v, v % 2 == 0))
                    .Take(limit)
                    .ToList();

            public string Describe(int kind) => kind switch
            {
                0 => $"Part{{index}}: total {_total}",
                1 => $"Part{{index}}: {_values.Count} values, max {(_values.Count == 0 ? 0 : _values.Max())}",
                _ => $"Part{{index}}: {string.Join(",", _names.Keys.Order())}",
            };

            public int Name(string name)
            {
                if (!_names.TryGetValue(name, out var id))
                {
                    id = _names.Count;
                    _names[name] = id;
                }

                return id;
            }

            public long Chain(int depth) =>
                depth <= 0 ? _total : new global::{{@namespace}}.Part{{next}}(_total).Accumulate(depth) + Entries(depth).Sum(e => e.Value);
        }

        """;
}
