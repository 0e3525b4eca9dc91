System.Console.WriteLine(Lep.Placeholder.Probe());
