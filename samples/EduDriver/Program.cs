Console.WriteLine("EduDriver: not written yet (issue 4).");
return 1;
