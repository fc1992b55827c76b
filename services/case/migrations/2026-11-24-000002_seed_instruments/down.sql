DELETE FROM instruments WHERE released_by = 'seed' AND version = 1;
